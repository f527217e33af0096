import { JsonObjectSchema, NameBody } from '@unjucks/core/api-schemas';
import { createOrg } from '../access/orgs.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/orgs — { name }: claims the scope @name; the caller becomes its owner. */
export function orgsCreate(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/orgs',
      summary: 'Create an org (claims the scope @name)',
      tags: ['orgs'],
      auth: { kind: 'token' },
      errors: ['invalid_name', 'conflict'],
      what: 'creating an org',
      body: NameBody,
      bodyExample: '{ "name": "acme" }',
      responses: { 201: { description: 'The result.', schema: JsonObjectSchema } },
      middleware: [audited('org.create')],
    },
    async (c) => {
      const body = c.req.valid('json');
      c.set('audit', { target: `@${body.name}`, org: body.name });
      return c.json(await createOrg(c.get('registry').db, c.get('actor'), body), 201);
    },
  );
}
