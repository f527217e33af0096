import { JsonObjectSchema, PackageNameParams, RoleBody } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { grantPackage } from '../access/grants.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** PUT /api/v1/packages/:name/access/:principal — { role }: grants a user (alice) or team (acme:devs) a role; owners only. */
export function packageAccessPut(app: App) {
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/packages/{name}/access/{principal}',
      summary: 'Grant a user or team a role on a package (owners)',
      tags: ['access'],
      auth: { kind: 'token', action: 'owners' },
      errors: ['conflict'],
      what: 'granting access',
      params: PackageNameParams.extend({ principal: z.string().min(1).describe('alice, or acme:devs for a team') }),
      body: RoleBody,
      bodyExample: '{ "role": "owner|maintainer|reader" }',
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('access.grant', packageTarget)],
    },
    async (c) => {
      const { name, principal } = c.req.valid('param');
      const body = c.req.valid('json');
      c.set('audit', { detail: { principal, role: body.role } });
      return c.json(await grantPackage(c.get('registry'), c.get('actor'), name, principal, body));
    },
  );
}
