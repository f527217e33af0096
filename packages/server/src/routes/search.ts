import { SearchQuery, SearchResultSchema } from '@unjucks/core/api-schemas';
import { parseQuery } from '../search/query.js';
import { searchResultJson } from '../search/response.js';
import { privateFilter } from '../access/rights.js';
import type { App, Ctx } from '../app-env.js';
import { inputErrorFrom, nativeRoute } from './native-route.js';

/** Ranked full-text search with qualifiers; also serves npm's /-/v1/search (`text` for `q`). */
export async function searchHandler(c: Ctx) {
  const parsed = SearchQuery.safeParse(c.req.query());
  if (!parsed.success) throw inputErrorFrom(parsed.error);
  const query = parsed.data;
  const registry = c.get('registry');
  const q = query.q ?? query.text ?? '';
  // The engines keep each page within SEARCH_MAX_SIZE whatever size is asked.
  const size = query.size ?? 20;
  const from = query.from ?? 0;
  const canSeePrivate = await privateFilter(registry.db, c.get('actor'));
  const t0 = performance.now();
  const { total, hits } = await registry.search.search(parseQuery(q, { deprecated: query.deprecated === 'true' }), { size, from, canSeePrivate });
  const ms = performance.now() - t0;
  registry.metrics.searchDuration.observe(ms / 1000);
  c.header('Server-Timing', `search;dur=${ms.toFixed(2)}`);
  return c.body(searchResultJson(total, hits, registry.publicUrl), 200, { 'content-type': 'application/json' });
}

/** GET /api/v1/search?q=&size=&from=&deprecated=true */
export function search(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/search',
      summary: 'Search packages (ranked, with qualifiers such as keyword: and engine:)',
      tags: ['search'],
      auth: { kind: 'anonymous' },
      query: SearchQuery,
      responses: { 200: { description: 'Hits, best first.', schema: SearchResultSchema } },
    },
    // npm's route shares the handler, so it parses the query itself rather than through c.req.valid.
    searchHandler,
  );
}
