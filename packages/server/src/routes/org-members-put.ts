import { JsonObjectSchema, OrgParams, RoleBody } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { setMember } from '../access/orgs.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** PUT /api/v1/orgs/:org/members/:user — { role }: changes a member's role; owners only. A user
 * not yet a member is invited (202, `invited: true`) and joins on accepting; admins add directly. */
export function orgMembersPut(app: App) {
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/orgs/{org}/members/{user}',
      summary: "Set a member's role, or invite a user (owners)",
      tags: ['orgs'],
      auth: { kind: 'token' },
      errors: ['conflict'],
      what: 'setting a member',
      params: OrgParams.extend({ user: z.string().min(1) }),
      body: RoleBody,
      bodyExample: '{ "role": "owner|maintainer|reader" }',
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('org.member.set', orgTarget)],
    },
    async (c) => {
      const { org, user } = c.req.valid('param');
      const body = c.req.valid('json');
      c.set('audit', { detail: { user, role: body.role } });
      const r = await setMember(c.get('registry').db, c.get('actor'), org, user, body);
      if (!r.invited) return c.json(r);
      c.set('audit', { action: 'org.member.invite', detail: { user: r.user, role: r.role } });
      return c.json(r, 202);
    },
  );
}
