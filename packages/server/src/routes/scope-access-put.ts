import { JsonObjectSchema, OrgParams, RoleBody } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { grantScope } from '../access/grants.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** PUT /api/v1/orgs/:org/access/:team — { role }: a team's role on every package of the scope; owners only. */
export function scopeAccessPut(app: App) {
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/orgs/{org}/access/{team}',
      summary: 'Give a team a role on every package of the scope (owners)',
      tags: ['access'],
      auth: { kind: 'token' },
      what: 'granting access',
      params: OrgParams.extend({ team: z.string().min(1) }),
      body: RoleBody,
      bodyExample: '{ "role": "owner|maintainer|reader" }',
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('scope.grant', orgTarget)],
    },
    async (c) => {
      const { org, team } = c.req.valid('param');
      const body = c.req.valid('json');
      c.set('audit', { detail: { team, role: body.role } });
      return c.json(await grantScope(c.get('registry').db, c.get('actor'), org, team, body));
    },
  );
}
