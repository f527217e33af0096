import { setPackageVisibility } from '../access/grants.js';
import { nameParam, type App } from './app-env.js';
import { audited, packageTarget } from './audited.js';
import { readJson } from './json.js';

/** PUT /api/v1/packages/:name/visibility — { visibility: "public" | "private" }; owners only. */
export function packageVisibilityPut(app: App) {
  app.put('/api/v1/packages/:name/visibility', audited('access.visibility', packageTarget), async (c) => {
    const body = (await readJson(c, '{ "visibility": "public|private" }')) as Record<string, unknown>;
    c.set('audit', { detail: { visibility: body?.visibility } });
    return c.json(await setPackageVisibility(c.get('registry'), c.get('actor'), nameParam(c), body ?? {}));
  });
}
