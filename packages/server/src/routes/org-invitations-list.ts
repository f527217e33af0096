import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { listOrgInvitations } from '../access/invitations.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/orgs/:org/invitations — invitations nobody answered yet; owners only. */
export function orgInvitationsList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/orgs/{org}/invitations',
      summary: 'List the invitations nobody answered yet (owners)',
      tags: ['orgs'],
      auth: { kind: 'token' },
      params: OrgParams,
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
    },
    async (c) => c.json(await listOrgInvitations(c.get('registry').db, c.get('actor'), c.req.valid('param').org)),
  );
}
