import { listOrgInvitations } from '../access/invitations.js';
import type { App } from './app-env.js';

/** GET /api/v1/orgs/:org/invitations — invitations nobody answered yet; owners only. */
export function orgInvitationsList(app: App) {
  app.get('/api/v1/orgs/:org/invitations', async (c) => c.json(await listOrgInvitations(c.get('registry').db, c.get('actor'), c.req.param('org'))));
}
