import { listTokens } from '../access/tokens.js';
import type { App } from './app-env.js';

/** GET /api/v1/tokens[?user=NAME|?org=ORG] — token metadata (never secrets): yours, or those you manage. */
export function tokensList(app: App) {
  app.get('/api/v1/tokens', async (c) => c.json(await listTokens(c.get('registry').db, c.get('actor'), { user: c.req.query('user'), org: c.req.query('org') })));
}
