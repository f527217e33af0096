import { JsonObjectSchema, PasswordBody } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { setPassword } from '../access/users.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { passwordCheck } from '../middleware/limits.js';
import { nativeRoute } from './native-route.js';

/** PUT /api/v1/users/:user/password — { password, currentPassword? }: yourself, or anyone as an admin. */
export function usersPassword(app: App) {
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/users/{user}/password',
      summary: "Set a password: yours (with the current one), or anyone's as an admin",
      tags: ['users'],
      auth: { kind: 'token' },
      errors: ['locked_out'],
      what: 'changing a password',
      params: z.object({ user: z.string().min(1) }),
      body: PasswordBody,
      bodyExample: '{ "password": "new", "currentPassword": "old" }',
      responses: { 200: { description: 'Done.', schema: JsonObjectSchema } },
      middleware: [passwordCheck, audited('user.password', (c) => ({ target: c.req.param('user') ?? null }))],
    },
    async (c) => c.json(await setPassword(c.get('registry').db, c.get('actor'), c.req.valid('param').user, c.req.valid('json'), c.get('ip'))),
  );
}
