import { assertAdmin, createUser, publicUser } from '../access/users.js';
import type { App } from './app-env.js';
import { audited } from './audited.js';
import { readJson } from './json.js';

/** POST /api/v1/users — { name, password?, admin? }; registry admins only. */
export function usersCreate(app: App) {
  app.post('/api/v1/users', audited('user.create'), async (c) => {
    assertAdmin(c.get('actor'), 'creating users');
    const body = (await readJson(c, '{ "name": "alice", "password": "...", "admin": false }')) as Record<string, unknown>;
    c.set('audit', { target: typeof body?.name === 'string' ? body.name : undefined, detail: { admin: body?.admin === true } });
    return c.json(publicUser(await createUser(c.get('registry').db, body ?? {})), 201);
  });
}
