import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { addTeamMember } from '../access/teams.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** PUT /api/v1/orgs/:org/teams/:team/members/:user — adds an org member to the team; owners only. */
export function teamMembersPut(app: App) {
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/orgs/{org}/teams/{team}/members/{user}',
      summary: 'Add an org member to a team (owners)',
      tags: ['teams'],
      auth: { kind: 'token' },
      errors: ['conflict'],
      params: OrgParams.extend({ team: z.string().min(1), user: z.string().min(1) }),
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('team.member.add', orgTarget)],
    },
    async (c) => {
      const { org, team, user } = c.req.valid('param');
      c.set('audit', { detail: { team, user } });
      return c.json(await addTeamMember(c.get('registry').db, c.get('actor'), org, team, user));
    },
  );
}
