import { describe, expect, it } from 'vitest';
import { corpus, searchDocOf } from '../../../../test/fixtures/search-corpus.js';
import { SearchIndex } from './search-index.js';
import { parseQuery } from './query.js';
import { searchObject, searchResultJson } from './response.js';
import type { SearchHit } from './search-index.js';

const asSerialized = (total: number, hits: SearchHit[], url: string, time: Date) =>
  JSON.stringify({ total, objects: hits.map((h) => searchObject(h, url)), time: time.toISOString() });

describe('searchResultJson', () => {
  const docs = corpus().map((p, i) => searchDocOf(p, i + 1));
  const index = new SearchIndex(0);
  index.rebuild(docs, new Map(docs.map((d, i) => [d.id, i * 37])));
  const time = new Date('2026-12-01T05:00:00.000Z');

  it('is byte for byte what serializing searchObject per hit gives, pages after pages', () => {
    for (const q of ['react component', 'vue', 'nextjs', 'angualr component', 'k8s deploy']) {
      const { total, hits } = index.search(parseQuery(q), { size: 20, from: 0 });
      expect(hits.length, q).toBeGreaterThan(0);
      // Twice: the second answer comes from the documents' kept JSON.
      for (let pass = 0; pass < 2; pass++) expect(searchResultJson(total, hits, 'http://r.test', time)).toBe(asSerialized(total, hits, 'http://r.test', time));
    }
  });

  it('follows the registry URL, odd text and numbers as JSON would', () => {
    const [hit] = index.search(parseQuery('react'), { size: 1, from: 0 }).hits;
    const odd: SearchHit = {
      ...hit!,
      doc: { ...hit!.doc, description: 'quotes " and \\ and \u2028 and </script>', publisher: null, scope: null },
      relevance: Number.NaN,
      final: 1 / 3,
    };
    for (const url of ['http://a.test', 'https://b.test/registry'])
      expect(JSON.parse(searchResultJson(1, [odd], url, time))).toEqual(JSON.parse(asSerialized(1, [odd], url, time)));
    expect(searchResultJson(1, [odd], 'http://a.test', time)).toBe(asSerialized(1, [odd], 'http://a.test', time));
    expect(searchResultJson(0, [], 'http://a.test', time)).toBe('{"total":0,"objects":[],"time":"2026-12-01T05:00:00.000Z"}');
  });
});
