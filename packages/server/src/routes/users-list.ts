import { assertAdmin, listUsers } from '../access/users.js';
import type { App } from './app-env.js';

/** GET /api/v1/users — every user; registry admins only. */
export function usersList(app: App) {
  app.get('/api/v1/users', async (c) => {
    assertAdmin(c.get('actor'), 'listing users');
    return c.json({ users: await listUsers(c.get('registry').db) });
  });
}
