import { createToken } from '../access/tokens.js';
import type { App } from './app-env.js';
import { audited } from './audited.js';
import { readJson } from './json.js';

/** POST /api/v1/tokens — { name, actions, packages?, expires?, cidr? } → { id, token }; shown once, never stored. */
export function tokensCreate(app: App) {
  app.post('/api/v1/tokens', audited('token.create'), async (c) => {
    const body = (await readJson(c, '{ "name": "ci", "actions": ["read", "publish:update"], "packages": ["@acme/*"], "expires": "30d" }')) as Record<string, unknown>;
    const registry = c.get('registry');
    const minted = await createToken(registry.db, registry.keys, c.get('actor'), body ?? {}, registry.tokenMaxLifetimeSeconds);
    c.set('audit', { target: `token:${minted.id}`, detail: { user: minted.user, actions: minted.actions, packages: minted.packages, expiresAt: minted.expiresAt } });
    return c.json(minted, 201);
  });
}
