import { removeTeam } from '../access/teams.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';

/** DELETE /api/v1/orgs/:org/teams/:team — the team and its grants; owners only. */
export function teamsDelete(app: App) {
  app.delete('/api/v1/orgs/:org/teams/:team', audited('team.remove', orgTarget), async (c) => {
    c.set('audit', { detail: { team: c.req.param('team') } });
    return c.json(await removeTeam(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('team')));
  });
}
