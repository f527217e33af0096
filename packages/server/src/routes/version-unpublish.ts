import { JsonObjectSchema, PackageVersionParams } from '@unjucks/core/api-schemas';
import { unpublish } from '../registry/unpublish.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/packages/:name/:version — unpublish one version; its number is never reusable. */
export function versionUnpublish(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/packages/{name}/{version}',
      summary: 'Unpublish one version (its number is never reusable)',
      tags: ['packages'],
      auth: { kind: 'token', action: 'unpublish' },
      what: 'unpublishing',
      params: PackageVersionParams,
      responses: { 200: { description: 'What was removed.', schema: JsonObjectSchema } },
      middleware: [audited('version.unpublish', packageTarget)],
    },
    async (c) => {
      const { name, version } = c.req.valid('param');
      c.set('audit', { detail: { version } });
      return c.json(await unpublish(c.get('registry'), c.get('actor'), name, version));
    },
  );
}
