import { JsonObjectSchema, OrgParams, VisibilityBody } from '@unjucks/core/api-schemas';
import { setScopeVisibility } from '../access/grants.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** PUT /api/v1/orgs/:org/visibility — { visibility }: the default for the org's packages without their own; owners only. */
export function scopeVisibilityPut(app: App) {
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/orgs/{org}/visibility',
      summary: "Set the default visibility of an org's packages (owners)",
      tags: ['access'],
      auth: { kind: 'token' },
      what: 'changing visibility',
      params: OrgParams,
      body: VisibilityBody,
      bodyExample: '{ "visibility": "public|private" }',
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('scope.visibility', orgTarget)],
    },
    async (c) => {
      const body = c.req.valid('json');
      c.set('audit', { detail: { visibility: body.visibility } });
      return c.json(await setScopeVisibility(c.get('registry'), c.get('actor'), c.req.valid('param').org, body));
    },
  );
}
