import { addTeamMember } from '../access/teams.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';

/** PUT /api/v1/orgs/:org/teams/:team/members/:user — adds an org member to the team; owners only. */
export function teamMembersPut(app: App) {
  app.put('/api/v1/orgs/:org/teams/:team/members/:user', audited('team.member.add', orgTarget), async (c) => {
    c.set('audit', { detail: { team: c.req.param('team'), user: c.req.param('user') } });
    return c.json(await addTeamMember(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('team'), c.req.param('user')));
  });
}
