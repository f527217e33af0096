import { JsonObjectSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { revokePackage } from '../access/grants.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/packages/:name/access/:principal — removes a grant (never the last owner's); owners only. */
export function packageAccessDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/packages/{name}/access/{principal}',
      summary: "Remove a grant (never the last owner's; owners)",
      tags: ['access'],
      auth: { kind: 'token', action: 'owners' },
      errors: ['conflict'],
      params: PackageNameParams.extend({ principal: z.string().min(1) }),
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('access.revoke', packageTarget)],
    },
    async (c) => {
      const { name, principal } = c.req.valid('param');
      c.set('audit', { detail: { principal } });
      return c.json(await revokePackage(c.get('registry'), c.get('actor'), name, principal));
    },
  );
}
