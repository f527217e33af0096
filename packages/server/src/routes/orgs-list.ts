import { listOrgs } from '../access/orgs.js';
import type { App } from './app-env.js';

/** GET /api/v1/orgs — the orgs you belong to, with your role (every org for an admin). */
export function orgsList(app: App) {
  app.get('/api/v1/orgs', async (c) => c.json(await listOrgs(c.get('registry').db, c.get('actor'))));
}
