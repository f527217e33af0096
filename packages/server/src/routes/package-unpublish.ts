import { JsonObjectSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { unpublish } from '../registry/unpublish.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/packages/:name — unpublish every live version; the name stays with its owners. */
export function packageUnpublish(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/packages/{name}',
      summary: 'Unpublish every live version (the name stays with its owners)',
      tags: ['packages'],
      auth: { kind: 'token', action: 'unpublish' },
      what: 'unpublishing',
      params: PackageNameParams,
      responses: { 200: { description: 'What was removed.', schema: JsonObjectSchema } },
      middleware: [audited('package.unpublish', packageTarget)],
    },
    async (c) => {
      const r = await unpublish(c.get('registry'), c.get('actor'), c.req.valid('param').name, null);
      c.set('audit', { detail: { versions: r.removed } });
      return c.json(r);
    },
  );
}
