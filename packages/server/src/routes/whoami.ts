import { InputError } from '@unjucks/core';
import type { App } from './app-env.js';

/** GET /api/v1/whoami — the user and role behind the token sent. */
export function whoami(app: App) {
  app.get('/api/v1/whoami', (c) => {
    const actor = c.get('actor');
    if (!actor) throw new InputError('no token was sent; send "Authorization: Bearer <token>"', 401, 'unauthorized');
    return c.json({ username: actor.userName, role: actor.role });
  });
}
