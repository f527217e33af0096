import { withdrawInvitation } from '../access/invitations.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';

/** DELETE /api/v1/orgs/:org/invitations/:user — takes back an open invitation; owners only. */
export function orgInvitationsDelete(app: App) {
  app.delete('/api/v1/orgs/:org/invitations/:user', audited('org.invitation.withdraw', orgTarget), async (c) => {
    c.set('audit', { detail: { user: c.req.param('user') } });
    return c.json(await withdrawInvitation(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('user')));
  });
}
