import { JsonObjectSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { resolveVersion } from '../registry/read.js';
import type { App } from '../app-env.js';
import { sendRendered } from './json.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name/:spec — an exact version, a range or a dist-tag, resolved to one version. */
export function packagesResolve(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/{spec}',
      summary: 'Resolve a version, range or dist-tag to one version',
      tags: ['packages'],
      auth: { kind: 'anonymous' },
      params: PackageNameParams.extend({ spec: z.string().min(1).describe('1.2.3, ^1.2, or a dist-tag') }),
      responses: { 200: { description: 'The version document.', schema: JsonObjectSchema }, 304: { description: 'Not modified (If-None-Match).' } },
    },
    async (c) => {
      const { name, spec } = c.req.valid('param');
      return sendRendered(c, await resolveVersion(c.get('registry'), c.get('actor'), name, spec));
    },
  );
}
