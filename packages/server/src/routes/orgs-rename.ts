import { JsonObjectSchema, NameBody, OrgParams } from '@unjucks/core/api-schemas';
import { renameOrg } from '../access/org-rename.js';
import { adminOnly } from './admin-only.js';
import type { App } from '../app-env.js';
import { audited, orgTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/orgs/:org/rename — { name }: renames the org and moves its scope's packages; admins only. */
export function orgsRename(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/orgs/{org}/rename',
      summary: "Rename an org and move its scope's packages (admins)",
      tags: ['orgs'],
      auth: { kind: 'admin', action: 'admin' },
      errors: ['invalid_name', 'conflict'],
      params: OrgParams,
      body: NameBody,
      bodyExample: '{ "name": "new-name" }',
      responses: { 200: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('org.rename', orgTarget), adminOnly('renaming an org')],
    },
    async (c) => {
      const { name } = c.req.valid('json');
      c.set('audit', { detail: { to: name } });
      const r = await renameOrg(c.get('registry').db, c.req.valid('param').org, name);
      c.set('audit', { detail: { to: r.to, packages: r.packages.length, tokens: r.tokens } });
      return c.json(r);
    },
  );
}
