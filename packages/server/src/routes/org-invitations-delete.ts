import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { withdrawInvitation } from '../access/invitations.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/orgs/:org/invitations/:user — takes back an open invitation; owners only. */
export function orgInvitationsDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/orgs/{org}/invitations/{user}',
      summary: 'Withdraw an open invitation (owners)',
      tags: ['orgs'],
      auth: { kind: 'token' },
      params: OrgParams.extend({ user: z.string().min(1) }),
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('org.invitation.withdraw', orgTarget)],
    },
    async (c) => {
      const { org, user } = c.req.valid('param');
      c.set('audit', { detail: { user } });
      return c.json(await withdrawInvitation(c.get('registry').db, c.get('actor'), org, user));
    },
  );
}
