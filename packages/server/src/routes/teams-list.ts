import { TeamListSchema, OrgParams } from '@unjucks/core/api-schemas';
import { listTeams } from '../access/teams.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/orgs/:org/teams — teams with their members; for members of the org. */
export function teamsList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/orgs/{org}/teams',
      summary: "List an org's teams and their members (members)",
      tags: ['teams'],
      auth: { kind: 'token' },
      params: OrgParams,
      responses: { 200: { description: 'The result.', schema: TeamListSchema } },
    },
    async (c) => c.json(await listTeams(c.get('registry').db, c.get('actor'), c.req.valid('param').org)),
  );
}
