import { deprecateVersion } from '../registry/tags.js';
import { nameParam, type App } from './app-env.js';
import { audited, packageTarget } from './audited.js';
import { readJson } from './json.js';

/** POST /api/v1/packages/:name/:version/deprecate — { message }; an empty message lifts it. */
export function versionDeprecate(app: App) {
  app.post('/api/v1/packages/:name/:version/deprecate', audited('version.deprecate', packageTarget), async (c) => {
    const body = await readJson(c, '{ "message": "..." }');
    const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
    c.set('audit', { detail: { version: c.req.param('version'), message } });
    return c.json(await deprecateVersion(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('version'), message));
  });
}
