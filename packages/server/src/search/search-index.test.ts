import { describe, expect, it, vi } from 'vitest';
import { corpus, HEROES, QUERIES, searchDocOf } from '../../../../test/fixtures/search-corpus.js';
import { parseQuery } from './query.js';
import type { SearchDoc } from './documents.js';
import { ReadableBm25Index } from './readable-bm25.js';
import { SEARCH_MAX_SIZE, SearchIndex, splitWords } from './search-index.js';

function build(pkgs = corpus(300)) {
  const index = new SearchIndex();
  const docs = pkgs.map((p, i) => searchDocOf(p, i));
  index.rebuild(docs, new Map(pkgs.map((p, i) => [i, p.downloads])));
  return { index, docs };
}

const names = (index: SearchIndex, q: string, size = 3) => index.search(parseQuery(q), { size, from: 0 }).hits.map((h) => h.doc.name);

describe('search relevance on a 300-package corpus', () => {
  const { index } = build();

  it('never answers more than one page of SEARCH_MAX_SIZE results, whatever size is asked', () => {
    const r = index.search(parseQuery(''), { size: 1000, from: 0 });
    expect(r.total).toBeGreaterThan(SEARCH_MAX_SIZE);
    expect(SEARCH_MAX_SIZE).toBe(250);
    expect(r.hits).toHaveLength(SEARCH_MAX_SIZE);
  });

  it.each(QUERIES)('"%s" finds %s in the top 3', (q, expected) => {
    expect(names(index, q)).toContain(expected);
  });

  it('ranks an exact name match first, even against more popular packages', () => {
    for (const hero of HEROES.filter((h) => !h.deprecated)) expect(names(index, hero.name, 1)).toEqual([hero.name]);
    expect(names(index, 'react-component', 1)).toEqual(['@acme/react-component']); // the basename of a scoped name
  });

  it('leaves deprecated packages out unless asked', () => {
    expect(names(index, 'react class component', 50)).not.toContain('old-react-gen');
    expect(index.search(parseQuery('react class component', { deprecated: true }), { size: 3, from: 0 }).hits.map((h) => h.doc.name)).toContain(
      'old-react-gen',
    );
    expect(names(index, 'is:deprecated', 50)).toEqual(['old-react-gen']);
  });

  it('applies qualifiers', () => {
    const all = (q: string) => index.search(parseQuery(q), { size: 250, from: 0 }).hits.map((h) => h.doc);
    expect(all('keyword:prisma').map((d) => d.name)).toEqual(['prisma-model-templates']);
    expect(all('scope:@acme').every((d) => d.scope === 'acme')).toBe(true);
    expect(all('@acme/ component').every((d) => d.scope === 'acme')).toBe(true);
    expect(all('@acme/ component').length).toBeGreaterThan(0);
    expect(all('maintainer:carol').every((d) => d.maintainers.includes('carol'))).toBe(true);
    expect(all('author:carol').length).toBe(all('maintainer:carol').length);
    expect(all('generator:resolver').map((d) => d.name)).toEqual(['graphql-resolvers']);
    expect(all('capability:shell').map((d) => d.name)).toEqual(['shell-setup-gen']);
    expect(all('setup -capability:shell').map((d) => d.name)).not.toContain('shell-setup-gen');
    expect(all('github workflow capability:ci-config').map((d) => d.name)).toEqual(['gha-workflows']);
    expect(all('not:deprecated react').some((d) => d.deprecated)).toBe(false);
    expect(all('is:private')).toEqual([]);
  });

  it('shows private packages only to those who may read them', () => {
    const { index: idx, docs } = build(HEROES);
    const secret = { ...docs[0]!, private: true };
    idx.upsert(secret);
    expect(idx.search(parseQuery('react component'), { size: 10, from: 0 }).hits.map((h) => h.doc.name)).not.toContain(secret.name);
    const hits = idx.search(parseQuery('react component'), { size: 10, from: 0, canSeePrivate: () => true }).hits;
    expect(hits.map((h) => h.doc.name)).toContain(secret.name);
  });

  describe('scores from what the reader may read (test/security/search-score-oracle.e2e.test.ts)', () => {
    const page = (idx: SearchIndex, q: string, canSeePrivate?: (doc: SearchDoc) => boolean) =>
      idx.search(parseQuery(q), { size: 250, from: 0, canSeePrivate }).hits.map((h) => `${h.doc.name} ${h.searchScore} ${h.final}`);
    const QUERY_WORDS = ['react component', 'react', 'reakt componnet', 'prisma models', 'templates', 'comp'];
    /** Private packages full of the queries' words, in the orgs given. */
    const secrets = (from: number, orgs: string[]) =>
      Array.from({ length: 40 }, (_, i): SearchDoc => {
        const org = orgs[i % orgs.length]!;
        const base = searchDocOf(HEROES[i % HEROES.length]!, from + i);
        return {
          ...base,
          name: `@${org}/secret-${i}`,
          scope: org,
          private: true,
          readme: 'react component templates '.repeat(30),
          keywords: ['react', 'prisma'],
        };
      });

    it('answers an outsider the same whether private packages hold the words or not, also once they are gone', () => {
      const { index: idx } = build(HEROES);
      const before = QUERY_WORDS.map((q) => page(idx, q));
      const hidden = secrets(1000, ['vault']);
      for (const doc of hidden) idx.upsert(doc);
      expect(QUERY_WORDS.map((q) => page(idx, q))).toEqual(before);
      expect(QUERY_WORDS.map((q) => page(idx, q, (d) => d.scope === 'other'))).toEqual(before);
      // Removed last-added first: MiniSearch counted such discarded documents as holding the word until vacuumed.
      for (const doc of hidden.reverse()) idx.remove(doc.id);
      expect(QUERY_WORDS.map((q) => page(idx, q))).toEqual(before);
      for (const q of QUERY_WORDS) for (const h of idx.search(parseQuery(q), { size: 250, from: 0 }).hits) expect(h.searchScore).toBeGreaterThan(0);
    });

    it("answers a reader of one org's private packages the same whatever another org keeps", () => {
      const { index: idx } = build(HEROES);
      for (const doc of secrets(1000, ['cellar'])) idx.upsert(doc);
      const cellar = (d: SearchDoc) => d.scope === 'cellar';
      const before = QUERY_WORDS.map((q) => page(idx, q, cellar));
      expect(before[0]!.some((line) => line.startsWith('@cellar/'))).toBe(true);
      for (const doc of secrets(2000, ['vault'])) idx.upsert(doc);
      expect(QUERY_WORDS.map((q) => page(idx, q, cellar))).toEqual(before);
    });

    it('scores a private package as its public twin, for those who may read it', () => {
      const { index: idx, docs } = build(HEROES);
      const twin = { ...docs[0]!, id: 500, private: true };
      idx.upsert(twin);
      const hits = idx.search(parseQuery('react component'), { size: 250, from: 0, canSeePrivate: () => true }).hits;
      const score = (id: number) => hits.find((h) => h.doc.id === id)!.searchScore;
      expect(score(twin.id)).toBeCloseTo(score(docs[0]!.id), 10);
    });

    it('ranks a registry of only private packages for its readers as if they were public', () => {
      const pkgs = corpus(300);
      const { index: shown } = build(pkgs);
      const hidden = new SearchIndex();
      hidden.rebuild(
        pkgs.map((p, i) => searchDocOf(p, i, { private: true })),
        new Map(pkgs.map((p, i) => [i, p.downloads])),
      );
      for (const [q] of QUERIES) {
        const expected = shown.search(parseQuery(q), { size: 10, from: 0 }).hits.map((h) => [h.doc.name, h.searchScore]);
        const got = hidden.search(parseQuery(q), { size: 10, from: 0, canSeePrivate: () => true }).hits.map((h) => [h.doc.name, h.searchScore]);
        expect(got).toEqual(expected);
      }
    });
  });

  it('scores with relevance, popularity and quality in [0, 1] and pages with from/size', () => {
    const r = index.search(parseQuery('templates'), { size: 5, from: 0 });
    expect(r.total).toBeGreaterThan(200);
    for (const h of r.hits)
      for (const v of [h.relevance, h.popularity, h.quality, h.final]) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
    const next = index.search(parseQuery('templates'), { size: 5, from: 5 });
    expect(next.hits.map((h) => h.doc.name)).not.toContain(r.hits[0]!.doc.name);
  });

  it('never serves a cached result after the index changed', () => {
    const { index: idx, docs } = build(HEROES);
    expect(names(idx, 'zebra')).toEqual([]);
    idx.upsert({ ...docs[2]!, description: 'zebra models' });
    expect(names(idx, 'zebra')).toEqual(['prisma-model-templates']);
    idx.setDownloads(new Map([[docs[2]!.id, 10]]));
    expect(idx.search(parseQuery('zebra'), { size: 1, from: 0 }).hits[0]!.downloads).toBe(10);
  });

  it('updates and removes single packages', () => {
    const { index: idx, docs } = build(HEROES);
    idx.upsert({ ...docs[1]!, description: 'zebra stripes' });
    expect(names(idx, 'zebra')).toEqual(['express-route-gen']);
    idx.remove(docs[1]!.id);
    expect(names(idx, 'zebra')).toEqual([]);
  });

  describe('an update that keeps every indexed word (a new version with the same templates and README)', () => {
    const everything = (idx: SearchIndex, q: string, canSeePrivate?: (doc: SearchDoc) => boolean) =>
      idx.search(parseQuery(q), { size: 250, from: 0, canSeePrivate }).hits.map((h) => ({ ...h, doc: { ...h.doc } }));
    const QUERIES_SEEN = ['react component', 'templates', 'prisma', 'not:deprecated react', 'maintainer:zoe', 'is:deprecated', ''];

    it('answers as an index built from the new documents does, and scores no word again', () => {
      const { index: idx, docs } = build(corpus(120));
      for (const q of QUERIES_SEEN) everything(idx, q);
      const scored = vi.spyOn(ReadableBm25Index.prototype, 'scoreTerm');
      const next = docs.map((d, i) =>
        i % 3
          ? d
          : {
              ...d,
              version: '9.9.9',
              date: '2026-12-01T00:00:00.000Z',
              deprecated: i % 6 === 0 ? !d.deprecated : d.deprecated,
              maintainers: ['zoe'],
              quality: 42,
            },
      );
      for (const d of next.filter((_, i) => i % 3 === 0)) idx.upsert(d);
      const fresh = new SearchIndex();
      fresh.rebuild(next, new Map(corpus(120).map((p, i) => [i, p.downloads])));
      for (const q of QUERIES_SEEN) {
        scored.mockClear();
        const answer = everything(idx, q);
        // The words' scored matches were kept: only the fresh index scores them.
        expect(scored).not.toHaveBeenCalled();
        expect(answer).toEqual(everything(fresh, q));
      }
      // The changed documents are what these answers are made of: zoe maintains only them.
      expect(everything(idx, 'maintainer:zoe').length).toBe(next.filter((d) => d.maintainers.includes('zoe') && !d.deprecated).length);
      expect(everything(idx, 'maintainer:zoe').length).toBeGreaterThan(10);
      scored.mockRestore();
    });

    it('offers a private package as it is now to the reader predicate', () => {
      const { index: idx, docs } = build(HEROES);
      const secret = { ...docs[0]!, private: true, maintainers: ['ann'] };
      idx.upsert(secret);
      idx.upsert({ ...secret, version: '2.0.0', maintainers: ['bob'] });
      const byMaintainer = (who: string) => (doc: SearchDoc) => (doc as SearchDoc).maintainers.includes(who);
      expect(everything(idx, 'react component', byMaintainer('bob')).map((h) => h.doc.name)).toContain(secret.name);
      expect(everything(idx, 'react component', byMaintainer('ann')).map((h) => h.doc.name)).not.toContain(secret.name);
      expect(everything(idx, 'react component', byMaintainer('bob')).find((h) => h.doc.name === secret.name)!.doc.version).toBe('2.0.0');
    });

    it('indexes again when a word or the privacy changed', () => {
      const { index: idx, docs } = build(HEROES);
      idx.upsert({ ...docs[1]!, version: '2.0.0', readme: `${docs[1]!.readme} zebra` });
      expect(names(idx, 'zebra')).toEqual(['express-route-gen']);
      const generators = structuredClone(docs[1]!.generators);
      generators[0]!.templates[0]!.variables.push({ name: 'okapiName', description: 'what the okapi is called' });
      idx.upsert({ ...docs[1]!, version: '2.1.0', generators });
      expect(names(idx, 'okapi')).toEqual(['express-route-gen']);
      idx.upsert({ ...docs[1]!, version: '3.0.0', private: true });
      expect(names(idx, docs[1]!.name, 250)).not.toContain(docs[1]!.name);
      expect(names(idx, 'zebra')).toEqual([]);
      expect(names(idx, 'okapi')).toEqual([]);
    });
  });

  it('suggests names and generators as you type', () => {
    const s = index.suggest('pris');
    expect(s[0]).toEqual({ type: 'package', value: 'prisma-model-templates', package: 'prisma-model-templates' });
    expect(index.suggest('resol').map((x) => x.value)).toContain('resolver');
    expect(index.suggest('old-react')).toEqual([]); // deprecated
    expect(index.suggest('r').length).toBeLessThanOrEqual(10);
  });

  it('splits names on scope, separators and camelCase', () => {
    expect(splitWords('@acme/reactForm_gen-kit')).toEqual(['acme', 'react', 'Form', 'gen', 'kit']);
  });
});
