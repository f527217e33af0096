import { setPassword } from '../access/users.js';
import type { App } from './app-env.js';
import { audited } from './audited.js';
import { readJson } from './json.js';

/** PUT /api/v1/users/:user/password — { password, currentPassword? }: yourself, or anyone as an admin. */
export function usersPassword(app: App) {
  app.put('/api/v1/users/:user/password', audited('user.password', (c) => ({ target: c.req.param('user') ?? null })), async (c) => {
    const body = (await readJson(c, '{ "password": "new", "currentPassword": "old" }')) as Record<string, unknown>;
    return c.json(await setPassword(c.get('registry').db, c.get('actor'), c.req.param('user'), body ?? {}, c.get('ip')));
  });
}
