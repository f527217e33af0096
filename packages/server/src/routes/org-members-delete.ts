import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { removeMember } from '../access/orgs.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/orgs/:org/members/:user — removes a member (never the last owner); owners only. */
export function orgMembersDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/orgs/{org}/members/{user}',
      summary: 'Remove a member (never the last owner; owners)',
      tags: ['orgs'],
      auth: { kind: 'token' },
      errors: ['conflict'],
      params: OrgParams.extend({ user: z.string().min(1) }),
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('org.member.remove', orgTarget)],
    },
    async (c) => {
      const { org, user } = c.req.valid('param');
      c.set('audit', { detail: { user } });
      return c.json(await removeMember(c.get('registry').db, c.get('actor'), org, user));
    },
  );
}
