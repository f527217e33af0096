import { privateFilter } from '../access/rights.js';
import type { App } from './app-env.js';

/** GET /api/v1/search/suggest?q= — top 10 package and generator names for as-you-type completion. */
export function searchSuggest(app: App) {
  app.get('/api/v1/search/suggest', async (c) => {
    const registry = c.get('registry');
    const canSeePrivate = await privateFilter(registry.db, c.get('actor'));
    return c.json({ suggestions: await registry.search.suggest(c.req.query('q') ?? '', canSeePrivate) });
  });
}
