import { JsonObjectSchema } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { removeUser } from '../access/users.js';
import type { App } from '../app-env.js';
import { adminOnly } from './admin-only.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/users/:user — removes the user and their tokens; admins only. */
export function usersDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/users/{user}',
      summary: 'Remove a user and their tokens (admins)',
      tags: ['users'],
      auth: { kind: 'admin', action: 'admin' },
      errors: ['conflict'],
      params: z.object({ user: z.string().min(1) }),
      responses: { 200: { description: 'What was removed.', schema: JsonObjectSchema } },
      middleware: [audited('user.remove', (c) => ({ target: c.req.param('user') ?? null })), adminOnly('removing users')],
    },
    async (c) => c.json(await removeUser(c.get('registry').db, c.req.valid('param').user)),
  );
}
