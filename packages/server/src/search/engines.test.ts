import { type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CorpusPackage, corpus, HEROES } from '../../../../test/fixtures/search-corpus.js';
import { type Engine, memoryEngine, postgresEngine } from '../../../../test/helpers/search-engines.js';
import { QUALITY_PACKAGES, QUALITY_QUERIES, ndcg } from '../../../../test/fixtures/search-quality.js';
import { SEARCH_MAX_SIZE } from './search-index.js';
import { searchObject } from './response.js';
import { storeSearchDocuments } from './store.js';

// The engine-independent search behaviour, run against both engines: the in-memory index, and
// Postgres answering from stored documents (PGlite in-process, which also proves pg_trgm loads there).

const ENGINES = [
  { label: 'memory', open: memoryEngine },
  { label: 'postgres', open: postgresEngine },
];

describe.each(ENGINES)('search behaviour on the $label engine', ({ open }) => {
  let e: Engine & { close(): Promise<void> };
  let quality: Engine & { close(): Promise<void> };
  beforeAll(async () => {
    e = await open(corpus(300));
    quality = await open(QUALITY_PACKAGES);
  }, 120_000);
  afterAll(async () => {
    await e?.close();
    await quality?.close();
  });
  const names = async (q: string, size = 3, engine = () => e) => (await engine().search(q, { size, from: 0 })).hits.map((h) => h.doc.name);

  it('ranks an exact name match first, even against more popular packages', async () => {
    for (const hero of HEROES.filter((h) => !h.deprecated)) expect(await names(hero.name, 1)).toEqual([hero.name]);
    expect(await names('react-component', 1)).toEqual(['@acme/react-component']);
  });

  it('finds the right package for typical queries', async () => {
    for (const [q, expected] of [
      ['express route', 'express-route-gen'],
      ['prisma model', 'prisma-model-templates'],
      ['github actions workflow', 'gha-workflows'],
      ['k8s deployment', 'kubernetes-manifests'],
      ['expres route', 'express-route-gen'],
      ['prism', 'prisma-model-templates'],
    ])
      expect(await names(q!), q).toContain(expected);
  });

  it('leaves deprecated packages out unless asked', async () => {
    expect(await names('react class component', 50)).not.toContain('old-react-gen');
    expect((await e.search('react class component', { size: 3, from: 0 }, true)).hits.map((h) => h.doc.name)).toContain('old-react-gen');
    expect(await names('is:deprecated', 50)).toEqual(['old-react-gen']);
  });

  it('never answers more than one page of SEARCH_MAX_SIZE results, whatever size is asked', async () => {
    const r = await e.search('', { size: 1000, from: 0 });
    expect(r.total).toBeGreaterThan(SEARCH_MAX_SIZE);
    expect(r.hits).toHaveLength(SEARCH_MAX_SIZE);
  });

  it('applies qualifiers', async () => {
    const all = async (q: string) => (await e.search(q, { size: 250, from: 0 })).hits.map((h) => h.doc);
    expect((await all('keyword:prisma')).map((d) => d.name)).toEqual(['prisma-model-templates']);
    expect((await all('scope:@acme')).every((d) => d.scope === 'acme')).toBe(true);
    expect((await all('@acme/ component')).length).toBeGreaterThan(0);
    expect((await all('maintainer:carol')).every((d) => d.maintainers.includes('carol'))).toBe(true);
    expect((await all('author:carol')).length).toBe((await all('maintainer:carol')).length);
    expect((await all('generator:resolver')).map((d) => d.name)).toEqual(['graphql-resolvers']);
    expect((await all('capability:shell')).map((d) => d.name)).toEqual(['shell-setup-gen']);
    expect((await all('setup -capability:shell')).map((d) => d.name)).not.toContain('shell-setup-gen');
    expect((await all('github workflow capability:ci-config')).map((d) => d.name)).toEqual(['gha-workflows']);
    expect(await all('is:private')).toEqual([]);
  });

  it('shows private packages only to those who may read them', async () => {
    expect(await names('react component secret', 10)).not.toContain('@hidden/react-component-secret');
    const seen = await e.search('react component secret', { size: 10, from: 0, canSeePrivate: (d) => d.name.startsWith('@hidden/') });
    expect(seen.hits.map((h) => h.doc.name)).toContain('@hidden/react-component-secret');
    const notThis = await e.search('react component secret', { size: 10, from: 0, canSeePrivate: () => false });
    expect(notThis.hits.map((h) => h.doc.name)).not.toContain('@hidden/react-component-secret');
  });

  it('scores in [0, 1] and pages with from/size', async () => {
    const r = await e.search('templates', { size: 5, from: 0 });
    expect(r.total).toBeGreaterThan(200);
    for (const h of r.hits)
      for (const v of [h.relevance, h.popularity, h.quality, h.final]) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
    const next = await e.search('templates', { size: 5, from: 5 });
    expect(next.hits.map((h) => h.doc.name)).not.toContain(r.hits[0]!.doc.name);
    expect(next.total).toBe(r.total);
  });

  it('suggests names and generators as you type', async () => {
    expect((await e.suggest('pris'))[0]).toEqual({ type: 'package', value: 'prisma-model-templates', package: 'prisma-model-templates' });
    expect((await e.suggest('resol')).map((x) => x.value)).toContain('resolver');
    expect(await e.suggest('old-react')).toEqual([]);
    expect((await e.suggest('r')).length).toBeLessThanOrEqual(10);
  });

  it('finds for misspelled and nicknamed queries what the correct spelling finds', async () => {
    for (const q of QUALITY_QUERIES.filter((x) => x.sameAs)) {
      const right = await names(q.sameAs!, 3, () => quality);
      expect(right.length).toBeGreaterThan(0);
      const typed = await names(q.q, 3, () => quality);
      // The same first hit, and the same packages near the top (a nickname may reorder the rest:
      // "gh actions" also matches packages named "gha-…", which are as relevant).
      expect(typed[0], `${q.q} vs ${q.sameAs}`).toBe(right[0]);
      expect(typed.filter((n) => right.includes(n)).length, `${q.q}: ${typed} vs ${q.sameAs}: ${right}`).toBeGreaterThanOrEqual(2);
    }
  });

  it('keeps graded relevance (nDCG@10 over the quality corpus) at 0.9 or better', async () => {
    let sum = 0;
    for (const q of QUALITY_QUERIES) sum += ndcg(await names(q.q, 10, () => quality), q);
    expect(sum / QUALITY_QUERIES.length).toBeGreaterThanOrEqual(0.9);
  });
});

describe('the postgres engine ranking plain text from kept postings', () => {
  let e: Awaited<ReturnType<typeof postgresEngine>>;
  beforeAll(async () => {
    e = await postgresEngine(corpus(300));
  }, 120_000);
  afterAll(async () => {
    await e?.close();
  });

  it('answers what its SQL ranking answers, page by page', async () => {
    // A qualifier that filters nothing sends the same query through the SQL ranking.
    const sqlPath = ' -capability:no-such-capability';
    for (const q of [
      'react component',
      'reakt componnet',
      'k8s deployment',
      'prism',
      'compo',
      'serv',
      'rea',
      'templates',
      'express route gen',
      'react-component',
      'gh actions',
    ])
      for (const from of [0, 5])
        for (const deprecated of [false, true]) {
          const kept = await e.search(q, { size: 5, from }, deprecated);
          const fromSql = await e.search(q + sqlPath, { size: 5, from }, deprecated);
          expect(kept.total, q).toBe(fromSql.total);
          expect(
            kept.hits.map((h) => [h.doc.name, h.final.toFixed(6)]),
            q,
          ).toEqual(fromSql.hits.map((h) => [h.doc.name, h.final.toFixed(6)]));
        }
  });

  it('answers what its SQL ranking answers for queries of several words, whatever the page, ties included', async () => {
    // Several words take bestMatches, which scores only the matches that can reach the page; the
    // same packages with no downloads and one quality tie by the dozen, as the scale bench's do.
    const tied = await postgresEngine(corpus(300).map((p) => ({ ...p, downloads: 0, quality: 80 })));
    // Ties with a few more popular packages among them, which a run of ties must not hide.
    const mostlyTied = await postgresEngine(corpus(300).map((p, i) => ({ ...p, downloads: i % 37 === 5 ? 300 : 0, quality: 80 })));
    try {
      const sqlPath = ' -capability:no-such-capability';
      let compared = 0;
      for (const engine of [e, tied, mostlyTied])
        for (const q of [
          'react component',
          'vue form templates',
          'express route gen',
          'acme react',
          'angualr component',
          'nest service',
          'k8s deployment',
          'gh actions',
          'component page layout',
          'react vue angular',
          'react vue component',
          'vue express form route',
        ])
          for (const [from, size] of [
            [0, 1],
            [0, 5],
            [3, 5],
            [0, 20],
            [17, 20],
            [0, 60],
          ] as const) {
            const kept = await engine.search(q, { size, from });
            const fromSql = await engine.search(q + sqlPath, { size, from });
            const what = `${q} from ${from} size ${size}`;
            expect(kept.total, what).toBe(fromSql.total);
            expect(
              kept.hits.map((h) => h.doc.name),
              what,
            ).toEqual(fromSql.hits.map((h) => h.doc.name));
            // The same but for a float4's last bit where a misspelled word's operands add up in
            // another order (a known divergence of the two rankings, left alone).
            for (const [i, h] of kept.hits.entries()) {
              expect(Math.abs(h.final - fromSql.hits[i]!.final), what).toBeLessThan(1e-6);
              expect(Math.abs(h.relevance - fromSql.hits[i]!.relevance), what).toBeLessThan(1e-6);
            }
            compared += kept.hits.length;
          }
      expect(compared).toBeGreaterThan(1000);
    } finally {
      await tied.close();
      await mostlyTied.close();
    }
  });

  it('finds a more popular or better package behind a run of packages that tie with each other', async () => {
    // alpha-one, alpha-two and alpha-zed rank the same for "alpha"; the last one in name order is
    // more downloaded (or of better quality): ranking reads on past the run of the first two.
    const pkg = (name: string, keyword: string, extra: Partial<CorpusPackage> = {}): CorpusPackage => ({
      name,
      description: `${keyword} templates`,
      keywords: [keyword],
      generators: [],
      readme: '',
      downloads: 0,
      quality: 80,
      ...extra,
    });
    for (const zed of [{ downloads: 500 }, { quality: 100 }]) {
      const engine = await postgresEngine([
        pkg('alpha-one', 'alpha'),
        pkg('alpha-two', 'alpha'),
        pkg('alpha-zed', 'alpha', zed),
        ...['filler-a', 'filler-b', 'filler-c'].map((name) => pkg(name, 'filler')),
        ...['other-x', 'other-y', 'other-z'].map((name) => pkg(name, 'other')),
      ]);
      try {
        for (const size of [1, 2, 5]) {
          const kept = await engine.search('alpha filler', { size, from: 0 });
          const fromSql = await engine.search('alpha filler -capability:no-such-capability', { size, from: 0 });
          expect(kept.hits[0]?.doc.name, JSON.stringify(zed)).toBe('alpha-zed');
          expect(kept.hits.map((h) => h.doc.name)).toEqual(fromSql.hits.map((h) => h.doc.name));
          expect(kept.total).toBe(fromSql.total);
        }
      } finally {
        await engine.close();
      }
    }
  });

  it('answers a page past every match with none, and the total', async () => {
    for (const q of ['react component', 'express route gen']) {
      const first = await e.search(q, { size: 20, from: 0 });
      // Far past the matches: the ranking must not size anything by the page asked for.
      const far = await e.search(q, { size: 20, from: 5_000_000_000 });
      expect(far.hits, q).toEqual([]);
      expect(far.total, q).toBe(first.total);
    }
  });

  it('answers each hit with what the whole stored document shows, read from Postgres or kept', async () => {
    // Hits carry a reduced document (pageDoc): the response and the web's result list must not tell.
    const whole = new Map(e.stored.map((d) => [d.name, d]));
    const url = 'http://registry.test';
    let compared = 0;
    for (const q of ['react component', 'express route', 'k8s deployment', 'templates', 'generator:resolver', 'scope:@acme'])
      for (const pass of ['read', 'kept']) {
        const { hits } = await e.search(q, { size: 20, from: 0 });
        expect(hits.length, q).toBeGreaterThan(0);
        for (const h of hits) {
          const doc = whole.get(h.doc.name)!;
          expect(searchObject(h, url), `${q} (${pass})`).toEqual(searchObject({ ...h, doc }, url));
          expect({ ...h.doc, generators: null }, `${q} (${pass})`).toEqual({ ...doc, readme: '', generators: null });
          compared++;
        }
      }
    expect(compared).toBeGreaterThan(100);
  });

  it('after a change reads again only the postings the change reaches, and answers as its SQL ranking does', async () => {
    const sqlPath = ' -capability:no-such-capability';
    const queries = ['react component', 'express route', 'k8s deployment', 'prisma model', 'vue'];
    for (const q of queries) await e.search(q, { size: 5, from: 0 });
    const before = e.stored.find((d) => d.name === 'express-route-gen')!;
    // Deprecated, and a keyword no package had (a keyword joins the vocabulary: the word is then
    // matched as typed, not also as a prefix, whose double count the kept postings do not share
    // with ts_rank, which counts a word and its prefix once).
    // And vue, whose kept list did not hold the package: its new document matches it.
    const after = { ...before, keywords: [...before.keywords, 'zebra', 'vue'], deprecated: true };
    const dialect = new PgDialect();
    const execute = vi.spyOn(e.database.db, 'execute');
    // The operands whose postings are read: the postings query's second parameter (the first is the weights).
    const postingReads = () =>
      execute.mock.calls.map(([q]) => dialect.sqlToQuery(q as SQL)).flatMap((q) => (q.sql.includes('order by d.name collate "C" limit') ? [q.params[1]] : []));
    try {
      await storeSearchDocuments(e.database.db, [after]);
      e.engine.changed([before.id]);
      execute.mockClear();
      for (const q of queries) await e.search(q, { size: 5, from: 0 });
      // The lists that held the package, and the one its new document matches; react, component,
      // k8s, kubernetes, deployment, prisma and model are kept.
      expect(postingReads().sort()).toEqual(["'express'", "'route'", "'vue'"]);
      for (const q of [...queries, 'zebra', 'express zebra'])
        for (const deprecated of [false, true]) {
          const kept = await e.search(q, { size: 5, from: 0 }, deprecated);
          const fromSql = await e.search(q + sqlPath, { size: 5, from: 0 }, deprecated);
          expect(kept.total, q).toBe(fromSql.total);
          expect(
            kept.hits.map((h) => [h.doc.name, h.doc.deprecated, h.final.toFixed(6)]),
            q,
          ).toEqual(fromSql.hits.map((h) => [h.doc.name, h.doc.deprecated, h.final.toFixed(6)]));
        }
      expect((await e.search('zebra', { size: 5, from: 0 }, true)).hits.map((h) => h.doc.name)).toEqual(['express-route-gen']);
      expect((await e.search('express route', { size: 5, from: 0 })).hits.map((h) => h.doc.name)).not.toContain('express-route-gen');
      expect((await e.search('vue', { size: 50, from: 0 }, true)).hits.map((h) => h.doc.name)).toContain('express-route-gen');
      // Back as it was: the lists that now hold it go (zebra is no word of any package again, so
      // it is also asked as a prefix).
      await storeSearchDocuments(e.database.db, [before]);
      e.engine.changed([before.id]);
      execute.mockClear();
      for (const q of ['zebra', 'react component', 'vue']) await e.search(q, { size: 5, from: 0 });
      expect(postingReads().sort()).toEqual(["'vue'", "'zebra'", "'zebra':*"]);
      expect((await e.search('zebra', { size: 5, from: 0 }, true)).hits).toEqual([]);
    } finally {
      execute.mockRestore();
      await storeSearchDocuments(e.database.db, [before]);
      e.engine.changed([before.id]);
    }
  });

  it('settles the notices that arrive together with one query', async () => {
    for (const q of ['react component', 'express route', 'vue']) await e.search(q, { size: 5, from: 0 });
    // Packages none of whose words were searched: their changes leave the kept lists to be settled.
    const quiet = e.stored.filter((d) => !/react|component|express|route|vue/i.test(JSON.stringify(d))).slice(0, 5);
    expect(quiet).toHaveLength(5);
    const dialect = new PgDialect();
    const execute = vi.spyOn(e.database.db, 'execute');
    try {
      // An org's packages renamed, say: a notice each, one after another.
      for (const d of quiet) e.engine.changed([d.id]);
      await e.search('vue', { size: 5, from: 0 });
      const settles = execute.mock.calls.filter(([q]) => dialect.sqlToQuery(q as SQL).sql.includes('jsonb_array_elements_text'));
      expect(settles).toHaveLength(1);
      expect(dialect.sqlToQuery(settles[0]![0] as SQL).params.at(-1)).toBe(`{${quiet.map((d) => d.id).join(',')}}`);
    } finally {
      execute.mockRestore();
    }
  });

  it('keeps no page document read across a change to its package', async () => {
    const target = e.stored.find((d) => d.name === 'prisma-model-templates')!;
    const edited = { ...target, description: 'Prisma schema models, second edition' };
    const dialect = new PgDialect();
    const original = e.database.db.execute.bind(e.database.db);
    const execute = vi.spyOn(e.database.db, 'execute');
    // The page's documents are read, and the package changes before they arrive.
    let straddle = true;
    execute.mockImplementation(((query: SQL) => {
      const result = original(query);
      if (!straddle || !dialect.sqlToQuery(query).sql.includes('as doc from search_documents d where package_id = any')) return result;
      straddle = false;
      return result.then(async (rows) => {
        await storeSearchDocuments(e.database.db, [edited]);
        e.engine.changed([target.id]);
        return rows;
      });
    }) as never);
    const descriptionOf = async () => (await e.search('prisma model', { size: 5, from: 0 })).hits.find((h) => h.doc.name === target.name)?.doc.description;
    try {
      e.engine.changed([target.id]);
      // This search's page was read before the change: it shows the document as it was.
      expect(await descriptionOf()).toBe(target.description);
      expect(straddle).toBe(false);
      expect(await descriptionOf()).toBe(edited.description);
    } finally {
      execute.mockRestore();
      await storeSearchDocuments(e.database.db, [target]);
      e.engine.changed([target.id]);
    }
  });

  it('shows private packages through kept postings only to those who may read them', async () => {
    const q = 'react component secret';
    expect((await e.search(q, { size: 10, from: 0 })).hits.map((h) => h.doc.name)).not.toContain('@hidden/react-component-secret');
    const seen = await e.search(q, { size: 10, from: 0, canSeePrivate: (d) => d.name.startsWith('@hidden/') });
    expect(seen.hits.map((h) => h.doc.name)).toContain('@hidden/react-component-secret');
  });
});
