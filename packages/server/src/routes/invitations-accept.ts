import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { acceptInvitation } from '../access/invitations.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/invitations/:org/accept — joins the org with the role offered. */
export function invitationsAccept(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/invitations/{org}/accept',
      summary: 'Accept an invitation to an org',
      tags: ['orgs'],
      auth: { kind: 'token' },
      params: OrgParams,
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('org.invitation.accept', orgTarget)],
    },
    async (c) => c.json(await acceptInvitation(c.get('registry').db, c.get('actor'), c.req.valid('param').org)),
  );
}
