import { JsonObjectSchema, NameBody, OrgParams } from '@unjucks/core/api-schemas';
import { createTeam } from '../access/teams.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/orgs/:org/teams — { name }; owners only. */
export function teamsCreate(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/orgs/{org}/teams',
      summary: 'Create a team (owners)',
      tags: ['teams'],
      auth: { kind: 'token' },
      errors: ['invalid_name', 'conflict'],
      what: 'creating a team',
      params: OrgParams,
      body: NameBody,
      bodyExample: '{ "name": "devs" }',
      responses: { 201: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('team.create', orgTarget)],
    },
    async (c) => {
      const body = c.req.valid('json');
      c.set('audit', { detail: { team: body.name } });
      return c.json(await createTeam(c.get('registry').db, c.get('actor'), c.req.valid('param').org, body), 201);
    },
  );
}
