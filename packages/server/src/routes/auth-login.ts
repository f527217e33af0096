import { login } from '../access/users.js';
import type { App } from './app-env.js';
import { audited } from './audited.js';
import { readJson } from './json.js';

/** POST /api/v1/auth/login — { username, password, name?, actions?, packages?, expires? } → { id, token }. */
export function authLogin(app: App) {
  app.post('/api/v1/auth/login', audited('auth.login'), async (c) => {
    const body = (await readJson(c, '{ "username": "alice", "password": "..." }')) as Record<string, unknown>;
    if (typeof body?.username === 'string') c.set('audit', { actor: body.username.slice(0, 64), target: body.username.slice(0, 64) });
    const registry = c.get('registry');
    const minted = await login(registry.db, registry.keys, body ?? {}, registry.tokenMaxLifetimeSeconds, c.get('ip'));
    c.set('audit', { actor: minted.user, target: minted.user, detail: { token: minted.id, actions: minted.actions } });
    return c.json(minted, 201);
  });
}
