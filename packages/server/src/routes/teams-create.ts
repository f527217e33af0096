import { createTeam } from '../access/teams.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';
import { readJson } from './json.js';

/** POST /api/v1/orgs/:org/teams — { name }; owners only. */
export function teamsCreate(app: App) {
  app.post('/api/v1/orgs/:org/teams', audited('team.create', orgTarget), async (c) => {
    const body = (await readJson(c, '{ "name": "devs" }')) as Record<string, unknown>;
    c.set('audit', { detail: { team: body?.name } });
    return c.json(await createTeam(c.get('registry').db, c.get('actor'), c.req.param('org'), body ?? {}), 201);
  });
}
