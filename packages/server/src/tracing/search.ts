import type { SearchEngine } from '../search/sync.js';
import { span, tracingOn } from './index.js';

/**
 * The search engine with a span for each search and suggestion: which engine answered, how long
 * the query was (not its text), the page asked for and how many hits came back. Everything else
 * the engine has passes through untouched. Without tracing the engine itself is returned.
 */
export function traceSearch(engine: SearchEngine, kind: string): SearchEngine {
  if (!tracingOn) return engine;
  return new Proxy(engine, {
    get(target, prop) {
      if (prop === 'search')
        return ((q, opts) =>
          span(
            'search',
            {
              'search.engine': kind,
              'search.query.length': q.text.length,
              'search.query.keywords': q.keywords.length,
              'search.size': opts.size,
              'search.from': opts.from,
            },
            async (s) => {
              const result = await target.search(q, opts);
              s.setAttributes({ 'search.results.total': result.total, 'search.results.returned': result.hits.length });
              return result;
            },
          )) satisfies SearchEngine['search'];
      if (prop === 'suggest')
        return ((prefix, canSeePrivate) =>
          span('search.suggest', { 'search.engine': kind, 'search.query.length': prefix.length }, async (s) => {
            const suggestions = await target.suggest(prefix, canSeePrivate);
            s.setAttribute('search.results.returned', suggestions.length);
            return suggestions;
          })) satisfies SearchEngine['suggest'];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
