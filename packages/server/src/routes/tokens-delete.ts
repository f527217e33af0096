import { revokeToken } from '../access/tokens.js';
import type { App } from './app-env.js';
import { audited } from './audited.js';

/** DELETE /api/v1/tokens/:id — revokes at once, on every replica. */
export function tokensDelete(app: App) {
  app.delete('/api/v1/tokens/:id', audited('token.revoke', (c) => ({ target: `token:${c.req.param('id')}` })), async (c) => {
    const r = await revokeToken(c.get('registry').db, c.get('actor'), c.req.param('id'));
    c.set('audit', { org: r.org, detail: { user: r.user } });
    return c.json(r);
  });
}
