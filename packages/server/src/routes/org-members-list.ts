import { listMembers } from '../access/orgs.js';
import type { App } from './app-env.js';

/** GET /api/v1/orgs/:org/members — members and roles; for members of the org. */
export function orgMembersList(app: App) {
  app.get('/api/v1/orgs/:org/members', async (c) => c.json(await listMembers(c.get('registry').db, c.get('actor'), c.req.param('org'))));
}
