import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { removeTeamMember } from '../access/teams.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/orgs/:org/teams/:team/members/:user — the user loses what the team gave, at once. */
export function teamMembersDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/orgs/{org}/teams/{team}/members/{user}',
      summary: 'Remove a user from a team (owners)',
      tags: ['teams'],
      auth: { kind: 'token' },
      params: OrgParams.extend({ team: z.string().min(1), user: z.string().min(1) }),
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('team.member.remove', orgTarget)],
    },
    async (c) => {
      const { org, team, user } = c.req.valid('param');
      c.set('audit', { detail: { team, user } });
      return c.json(await removeTeamMember(c.get('registry').db, c.get('actor'), org, team, user));
    },
  );
}
