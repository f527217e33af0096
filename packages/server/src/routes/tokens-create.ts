import { InputError } from '@unjucks/core';
import { assertRole, mintToken } from '../auth/tokens.js';
import type { App } from './app-env.js';
import { readJson } from './json.js';

/** POST /api/v1/tokens — { user, role, label?, lifetimeSeconds? }; admins only. Creates the user when missing. */
export function tokensCreate(app: App) {
  app.post('/api/v1/tokens', async (c) => {
    const actor = c.get('actor');
    if (!actor) throw new InputError('creating tokens needs an admin token; send "Authorization: Bearer <token>"', 401, 'unauthorized');
    if (actor.role !== 'admin') throw new InputError(`only admins create tokens; user ${actor.userName}'s token has the role ${actor.role}`, 403, 'forbidden');
    const body = (await readJson(c, '{ "user": "name", "role": "admin|publisher|reader" }')) as Record<string, unknown>;
    if (typeof body?.user !== 'string') throw new InputError('send { "user": "name", "role": "admin|publisher|reader" }');
    const registry = c.get('registry');
    const minted = await mintToken(registry.db, registry.keys, {
      user: body.user,
      role: assertRole(body.role),
      label: typeof body.label === 'string' ? body.label : undefined,
      lifetimeSeconds: typeof body.lifetimeSeconds === 'number' ? body.lifetimeSeconds : undefined,
    });
    return c.json(minted, 201);
  });
}
