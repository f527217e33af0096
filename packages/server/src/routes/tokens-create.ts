import { MintedTokenSchema, TokenCreateBody } from '@unjucks/core/api-schemas';
import { createToken } from '../access/tokens.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/tokens — { name, actions, packages?, expires?, cidr? } → { id, token }; shown once, never stored. */
export function tokensCreate(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/tokens',
      summary: 'Create a token (never more than the token asking)',
      tags: ['tokens'],
      auth: { kind: 'token', action: 'tokens' },
      errors: ['not_found'],
      what: 'creating a token',
      body: TokenCreateBody,
      bodyExample: '{ "name": "ci", "actions": ["read", "publish:update"], "packages": ["@acme/*"], "expires": "30d" }',
      responses: { 201: { description: 'The new token, shown once.', schema: MintedTokenSchema } },
      middleware: [audited('token.create')],
    },
    async (c) => {
      const registry = c.get('registry');
      const minted = await createToken(registry.db, registry.keys, c.get('actor'), c.req.valid('json'), registry.tokenMaxLifetimeSeconds);
      c.set('audit', {
        target: `token:${minted.id}`,
        detail: { user: minted.user, actions: minted.actions, packages: minted.packages, expiresAt: minted.expiresAt },
      });
      return c.json(minted, 201);
    },
  );
}
