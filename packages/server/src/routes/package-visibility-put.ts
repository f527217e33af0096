import { JsonObjectSchema, PackageNameParams, VisibilityBody } from '@unjucks/core/api-schemas';
import { setPackageVisibility } from '../access/grants.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** PUT /api/v1/packages/:name/visibility — { visibility: "public" | "private" }; owners only. */
export function packageVisibilityPut(app: App) {
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/packages/{name}/visibility',
      summary: 'Make a package public or private (owners)',
      tags: ['access'],
      auth: { kind: 'token', action: 'owners' },
      what: 'changing visibility',
      params: PackageNameParams,
      body: VisibilityBody,
      bodyExample: '{ "visibility": "public|private" }',
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('access.visibility', packageTarget)],
    },
    async (c) => {
      const body = c.req.valid('json');
      c.set('audit', { detail: { visibility: body.visibility } });
      return c.json(await setPackageVisibility(c.get('registry'), c.get('actor'), c.req.valid('param').name, body));
    },
  );
}
