import { JsonObjectSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { getPackageDoc } from '../registry/read.js';
import type { App } from '../app-env.js';
import { sendRendered } from './json.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name — every version, dist-tags and times. */
export function packagesGet(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}',
      summary: 'Read a package: every version, dist-tags and times',
      tags: ['packages'],
      auth: { kind: 'anonymous' },
      params: PackageNameParams,
      responses: { 200: { description: 'The package document.', schema: JsonObjectSchema }, 304: { description: 'Not modified (If-None-Match).' } },
    },
    async (c) => sendRendered(c, await getPackageDoc(c.get('registry'), c.get('actor'), c.req.valid('param').name)),
  );
}
