import { declineInvitation } from '../access/invitations.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';

/** POST /api/v1/invitations/:org/decline — refuses an invitation; it is gone. */
export function invitationsDecline(app: App) {
  app.post('/api/v1/invitations/:org/decline', audited('org.invitation.decline', orgTarget), async (c) =>
    c.json(await declineInvitation(c.get('registry').db, c.get('actor'), c.req.param('org'))),
  );
}
