import { JsonObjectSchema } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { revokeToken } from '../access/tokens.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/tokens/:id — revokes at once, on every replica. */
export function tokensDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/tokens/{id}',
      summary: 'Revoke a token, at once on every replica',
      tags: ['tokens'],
      auth: { kind: 'token', action: 'tokens' },
      params: z.object({ id: z.string().min(1) }),
      responses: { 200: { description: 'The revoked token.', schema: JsonObjectSchema } },
      middleware: [audited('token.revoke', (c) => ({ target: `token:${c.req.param('id')}` }))],
    },
    async (c) => {
      const r = await revokeToken(c.get('registry').db, c.get('actor'), c.req.valid('param').id);
      c.set('audit', { org: r.org, detail: { user: r.user } });
      return c.json(r);
    },
  );
}
