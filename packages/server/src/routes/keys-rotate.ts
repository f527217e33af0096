import { z } from 'zod';
import type { App } from '../app-env.js';
import { adminOnly } from './admin-only.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/keys/rotate — a new signing key for new tokens; old keys keep verifying. Admins only. */
export function keysRotate(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/keys/rotate',
      summary: 'Rotate the token signing key (admins)',
      tags: ['admin'],
      auth: { kind: 'admin', action: 'admin' },
      responses: { 201: { description: 'The new key id.', schema: z.object({ kid: z.string() }) } },
      middleware: [audited('keys.rotate'), adminOnly('rotating signing keys')],
    },
    async (c) => {
      const kid = await c.get('registry').keys.rotate();
      c.set('audit', { target: `key:${kid}` });
      return c.json({ kid }, 201);
    },
  );
}
