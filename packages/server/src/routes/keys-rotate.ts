import { assertAdmin } from '../access/users.js';
import type { App } from './app-env.js';
import { audited } from './audited.js';

/** POST /api/v1/keys/rotate — a new signing key for new tokens; old keys keep verifying. Admins only. */
export function keysRotate(app: App) {
  app.post('/api/v1/keys/rotate', audited('keys.rotate'), async (c) => {
    assertAdmin(c.get('actor'), 'rotating signing keys');
    const kid = await c.get('registry').keys.rotate();
    c.set('audit', { target: `key:${kid}` });
    return c.json({ kid }, 201);
  });
}
