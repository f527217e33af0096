import { removeTeamMember } from '../access/teams.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';

/** DELETE /api/v1/orgs/:org/teams/:team/members/:user — the user loses what the team gave, at once. */
export function teamMembersDelete(app: App) {
  app.delete('/api/v1/orgs/:org/teams/:team/members/:user', audited('team.member.remove', orgTarget), async (c) => {
    c.set('audit', { detail: { team: c.req.param('team'), user: c.req.param('user') } });
    return c.json(await removeTeamMember(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('team'), c.req.param('user')));
  });
}
