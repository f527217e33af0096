import { acceptInvitation } from '../access/invitations.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';

/** POST /api/v1/invitations/:org/accept — joins the org with the role offered. */
export function invitationsAccept(app: App) {
  app.post('/api/v1/invitations/:org/accept', audited('org.invitation.accept', orgTarget), async (c) =>
    c.json(await acceptInvitation(c.get('registry').db, c.get('actor'), c.req.param('org'))),
  );
}
