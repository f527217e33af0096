import { JsonObjectSchema, OrgParams } from '@unjucks/core/api-schemas';
import { scopeAccess } from '../access/grants.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/orgs/:org/access — the org's default visibility and its teams' roles on the whole scope. */
export function scopeAccessGet(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/orgs/{org}/access',
      summary: "Read an org's default visibility and its teams' roles",
      tags: ['access'],
      auth: { kind: 'token' },
      params: OrgParams,
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
    },
    async (c) => c.json(await scopeAccess(c.get('registry').db, c.get('actor'), c.req.valid('param').org)),
  );
}
