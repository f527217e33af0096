import { InputError } from '@unjucks/core';
import { parseQuery } from '../search/query.js';
import { searchObject } from '../search/response.js';
import { privateFilter } from '../access/rights.js';
import type { App, Ctx } from './app-env.js';

const MAX_SIZE = 250;

function intParam(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return n;
}

/** Ranked full-text search with qualifiers; also serves npm's /-/v1/search (`text` for `q`). */
export async function searchHandler(c: Ctx) {
  const registry = c.get('registry');
  const q = c.req.query('q') ?? c.req.query('text') ?? '';
  if (q.length > 500) throw new InputError('the query may have at most 500 characters');
  const size = Math.min(MAX_SIZE, intParam(c.req.query('size'), 'size', 20));
  const from = intParam(c.req.query('from'), 'from', 0);
  const canSeePrivate = await privateFilter(registry.db, c.get('actor'));
  const t0 = performance.now();
  const { total, hits } = await registry.search.search(parseQuery(q, { deprecated: c.req.query('deprecated') === 'true' }), { size, from, canSeePrivate });
  const ms = performance.now() - t0;
  registry.metrics.searchDuration.observe(ms / 1000);
  c.header('Server-Timing', `search;dur=${ms.toFixed(2)}`);
  return c.json({ total, objects: hits.map((h) => searchObject(h, registry.publicUrl)), time: new Date().toISOString() });
}

/** GET /api/v1/search?q=&size=&from=&deprecated=true */
export function search(app: App) {
  app.get('/api/v1/search', searchHandler);
}
