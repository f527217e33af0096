import { listTeams } from '../access/teams.js';
import type { App } from './app-env.js';

/** GET /api/v1/orgs/:org/teams — teams with their members; for members of the org. */
export function teamsList(app: App) {
  app.get('/api/v1/orgs/:org/teams', async (c) => c.json(await listTeams(c.get('registry').db, c.get('actor'), c.req.param('org'))));
}
