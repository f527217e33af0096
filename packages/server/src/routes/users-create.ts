import { JsonObjectSchema, UserCreateBody } from '@unjucks/core/api-schemas';
import { createUser, publicUser } from '../access/users.js';
import type { App } from '../app-env.js';
import { adminOnly } from './admin-only.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/users — { name, password?, admin? }; registry admins only. */
export function usersCreate(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/users',
      summary: 'Create a user (admins)',
      tags: ['users'],
      auth: { kind: 'admin', action: 'admin' },
      errors: ['invalid_name', 'conflict'],
      body: UserCreateBody,
      bodyExample: '{ "name": "alice", "password": "...", "admin": false }',
      responses: { 201: { description: 'The user, without the password.', schema: JsonObjectSchema } },
      middleware: [audited('user.create'), adminOnly('creating users')],
    },
    async (c) => {
      const body = c.req.valid('json');
      c.set('audit', { target: body.name, detail: { admin: body.admin === true } });
      return c.json(publicUser(await createUser(c.get('registry').db, body)), 201);
    },
  );
}
