import { JsonObjectSchema } from '@unjucks/core/api-schemas';
import { myInvitations } from '../access/invitations.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/invitations — the caller's open invitations to orgs. */
export function invitationsList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/invitations',
      summary: "List the caller's open invitations",
      tags: ['orgs'],
      auth: { kind: 'token' },
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
    },
    async (c) => c.json(await myInvitations(c.get('registry').db, c.get('actor'))),
  );
}
