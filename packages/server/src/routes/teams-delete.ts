import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { removeTeam } from '../access/teams.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/orgs/:org/teams/:team — the team and its grants; owners only. */
export function teamsDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/orgs/{org}/teams/{team}',
      summary: 'Remove a team and its grants (owners)',
      tags: ['teams'],
      auth: { kind: 'token' },
      params: OrgParams.extend({ team: z.string().min(1) }),
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('team.remove', orgTarget)],
    },
    async (c) => {
      const { org, team } = c.req.valid('param');
      c.set('audit', { detail: { team } });
      return c.json(await removeTeam(c.get('registry').db, c.get('actor'), org, team));
    },
  );
}
