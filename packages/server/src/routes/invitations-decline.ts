import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { declineInvitation } from '../access/invitations.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/invitations/:org/decline — refuses an invitation; it is gone. */
export function invitationsDecline(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/invitations/{org}/decline',
      summary: 'Decline an invitation to an org',
      tags: ['orgs'],
      auth: { kind: 'token' },
      params: OrgParams,
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('org.invitation.decline', orgTarget)],
    },
    async (c) => c.json(await declineInvitation(c.get('registry').db, c.get('actor'), c.req.valid('param').org)),
  );
}
