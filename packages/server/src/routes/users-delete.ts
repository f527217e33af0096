import { assertAdmin, removeUser } from '../access/users.js';
import type { App } from './app-env.js';
import { audited } from './audited.js';

/** DELETE /api/v1/users/:user — removes the user and their tokens; admins only. */
export function usersDelete(app: App) {
  app.delete('/api/v1/users/:user', audited('user.remove', (c) => ({ target: c.req.param('user') ?? null })), async (c) => {
    assertAdmin(c.get('actor'), 'removing users');
    return c.json(await removeUser(c.get('registry').db, c.req.param('user')));
  });
}
