import { LoginBody, MintedTokenSchema } from '@unjucks/core/api-schemas';
import { login } from '../access/users.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { passwordCheck } from '../middleware/limits.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/auth/login — { username, password, name?, actions?, packages?, expires? } → { id, token }. */
export function authLogin(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Exchange a username and password for a token',
      tags: ['tokens'],
      auth: { kind: 'anonymous' },
      errors: ['invalid_name', 'locked_out'],
      body: LoginBody,
      bodyExample: '{ "username": "alice", "password": "..." }',
      responses: { 201: { description: 'The new token, shown once.', schema: MintedTokenSchema } },
      middleware: [passwordCheck, audited('auth.login')],
    },
    async (c) => {
      const body = c.req.valid('json');
      c.set('audit', { actor: body.username.slice(0, 64), target: body.username.slice(0, 64) });
      const registry = c.get('registry');
      const minted = await login(registry.db, registry.keys, body, registry.tokenMaxLifetimeSeconds, c.get('ip'));
      c.set('audit', { actor: minted.user, target: minted.user, detail: { token: minted.id, actions: minted.actions } });
      return c.json(minted, 201);
    },
  );
}
