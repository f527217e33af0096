import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { listMembers } from '../access/orgs.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/orgs/:org/members — members and roles; for members of the org. */
export function orgMembersList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/orgs/{org}/members',
      summary: "List an org's members and roles (members)",
      tags: ['orgs'],
      auth: { kind: 'token' },
      params: OrgParams,
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
    },
    async (c) => c.json(await listMembers(c.get('registry').db, c.get('actor'), c.req.valid('param').org)),
  );
}
