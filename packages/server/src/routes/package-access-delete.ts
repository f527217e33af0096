import { revokePackage } from '../access/grants.js';
import { nameParam, type App } from './app-env.js';
import { audited, packageTarget } from './audited.js';

/** DELETE /api/v1/packages/:name/access/:principal — removes a grant (never the last owner's); owners only. */
export function packageAccessDelete(app: App) {
  app.delete('/api/v1/packages/:name/access/:principal', audited('access.revoke', packageTarget), async (c) => {
    c.set('audit', { detail: { principal: c.req.param('principal') } });
    return c.json(await revokePackage(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('principal')));
  });
}
