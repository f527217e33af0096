import { myInvitations } from '../access/invitations.js';
import type { App } from './app-env.js';

/** GET /api/v1/invitations — the caller's open invitations to orgs. */
export function invitationsList(app: App) {
  app.get('/api/v1/invitations', async (c) => c.json(await myInvitations(c.get('registry').db, c.get('actor'))));
}
