import { JsonObjectSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { packageAccess } from '../access/grants.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name/access — visibility and who holds which role on the package. */
export function packageAccessGet(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/access',
      summary: "Read a package's visibility and roles",
      tags: ['access'],
      auth: { kind: 'anonymous' },
      params: PackageNameParams,
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
    },
    async (c) => c.json(await packageAccess(c.get('registry'), c.get('actor'), c.req.valid('param').name)),
  );
}
