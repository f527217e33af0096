import { grantPackage } from '../access/grants.js';
import { nameParam, type App } from './app-env.js';
import { audited, packageTarget } from './audited.js';
import { readJson } from './json.js';

/** PUT /api/v1/packages/:name/access/:principal — { role }: grants a user (alice) or team (acme:devs) a role; owners only. */
export function packageAccessPut(app: App) {
  app.put('/api/v1/packages/:name/access/:principal', audited('access.grant', packageTarget), async (c) => {
    const body = (await readJson(c, '{ "role": "owner|maintainer|reader" }')) as Record<string, unknown>;
    c.set('audit', { detail: { principal: c.req.param('principal'), role: body?.role } });
    return c.json(await grantPackage(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('principal'), body ?? {}));
  });
}
