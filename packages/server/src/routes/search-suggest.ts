import { SuggestQuery, SuggestResultSchema } from '@unjucks/core/api-schemas';
import { privateFilter } from '../access/rights.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/search/suggest?q= — top 10 package and generator names for as-you-type completion. */
export function searchSuggest(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/search/suggest',
      summary: 'Suggest package and generator names as you type',
      tags: ['search'],
      auth: { kind: 'anonymous' },
      query: SuggestQuery,
      responses: { 200: { description: 'Up to 10 suggestions.', schema: SuggestResultSchema } },
    },
    async (c) => {
      const registry = c.get('registry');
      const canSeePrivate = await privateFilter(registry.db, c.get('actor'));
      return c.json({ suggestions: await registry.search.suggest(c.req.valid('query').q ?? '', canSeePrivate) });
    },
  );
}
