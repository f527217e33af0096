import type { App } from './app-env.js';

/** GET /api/v1/search/suggest?q= — top 10 package and generator names for as-you-type completion. */
export function searchSuggest(app: App) {
  app.get('/api/v1/search/suggest', (c) => c.json({ suggestions: c.get('registry').search.suggest(c.req.query('q') ?? '') }));
}
