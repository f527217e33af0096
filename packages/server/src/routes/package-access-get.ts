import { packageAccess } from '../access/grants.js';
import { nameParam, type App } from './app-env.js';

/** GET /api/v1/packages/:name/access — visibility and who holds which role on the package. */
export function packageAccessGet(app: App) {
  app.get('/api/v1/packages/:name/access', async (c) => c.json(await packageAccess(c.get('registry').db, c.get('actor'), nameParam(c))));
}
