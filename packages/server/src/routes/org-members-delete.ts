import { removeMember } from '../access/orgs.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';

/** DELETE /api/v1/orgs/:org/members/:user — removes a member (never the last owner); owners only. */
export function orgMembersDelete(app: App) {
  app.delete('/api/v1/orgs/:org/members/:user', audited('org.member.remove', orgTarget), async (c) => {
    c.set('audit', { detail: { user: c.req.param('user') } });
    return c.json(await removeMember(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('user')));
  });
}
