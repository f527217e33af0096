import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { revokeScope } from '../access/grants.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/orgs/:org/access/:team — removes a team's role on the scope; owners only. */
export function scopeAccessDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/orgs/{org}/access/{team}',
      summary: "Remove a team's role on the scope (owners)",
      tags: ['access'],
      auth: { kind: 'token' },
      params: OrgParams.extend({ team: z.string().min(1) }),
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('scope.revoke', orgTarget)],
    },
    async (c) => {
      const { org, team } = c.req.valid('param');
      c.set('audit', { detail: { team } });
      return c.json(await revokeScope(c.get('registry').db, c.get('actor'), org, team));
    },
  );
}
