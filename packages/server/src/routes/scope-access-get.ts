import { scopeAccess } from '../access/grants.js';
import type { App } from './app-env.js';

/** GET /api/v1/orgs/:org/access — the org's default visibility and its teams' roles on the whole scope. */
export function scopeAccessGet(app: App) {
  app.get('/api/v1/orgs/:org/access', async (c) => c.json(await scopeAccess(c.get('registry').db, c.get('actor'), c.req.param('org'))));
}
