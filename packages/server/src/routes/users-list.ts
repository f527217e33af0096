import { UserListSchema } from '@unjucks/core/api-schemas';
import { listUsers } from '../access/users.js';
import type { App } from '../app-env.js';
import { adminOnly } from './admin-only.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/users — every user; registry admins only. */
export function usersList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/users',
      summary: 'List every user (admins)',
      tags: ['users'],
      auth: { kind: 'admin', action: 'admin' },
      responses: { 200: { description: 'Every user.', schema: UserListSchema } },
      middleware: [adminOnly('listing users')],
    },
    async (c) => c.json({ users: await listUsers(c.get('registry').db) }),
  );
}
