import { revokeScope } from '../access/grants.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';

/** DELETE /api/v1/orgs/:org/access/:team — removes a team's role on the scope; owners only. */
export function scopeAccessDelete(app: App) {
  app.delete('/api/v1/orgs/:org/access/:team', audited('scope.revoke', orgTarget), async (c) => {
    c.set('audit', { detail: { team: c.req.param('team') } });
    return c.json(await revokeScope(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('team')));
  });
}
