import { TokenListSchema, TokensListQuery } from '@unjucks/core/api-schemas';
import { listTokens } from '../access/tokens.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/tokens[?user=NAME|?org=ORG] — token metadata (never secrets): yours, or those you manage. */
export function tokensList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/tokens',
      summary: 'List token metadata: yours, or those you manage',
      tags: ['tokens'],
      auth: { kind: 'token' },
      what: 'listing tokens',
      query: TokensListQuery,
      responses: { 200: { description: 'Tokens, never their secrets.', schema: TokenListSchema } },
    },
    async (c) => c.json(await listTokens(c.get('registry').db, c.get('actor'), c.req.valid('query'))),
  );
}
