import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storeSearchDocuments } from '../../packages/server/src/search/store.js';
import { corpus } from '../fixtures/search-corpus.js';
import { postgresEngine, sqlTextOf } from '../helpers/search-engines.js';

// The Postgres search engine ranks from postings lists it keeps between changes, and reads the
// page's documents after. A package made private between the two (its notice not yet heard, or a
// search under way when it was) had its list say public while its document, read fresh, said
// private: the page showed it to anyone. The page now answers only what the reader may read.
describe('a package made private while a search ranks it from kept postings', () => {
  let e: Awaited<ReturnType<typeof postgresEngine>>;
  beforeAll(async () => {
    e = await postgresEngine(corpus(120));
  }, 120_000);
  afterAll(async () => {
    await e?.close();
  });

  it('is not shown to those who may not read it', async () => {
    const target = e.stored.find((d) => d.name === 'vue-sfc-gen')!;
    const original = e.database.db.execute.bind(e.database.db);
    const execute = vi.spyOn(e.database.db, 'execute');
    // The page's documents are read after the package went private, before its notice came.
    let straddle = true;
    execute.mockImplementation((async (query: unknown) => {
      if (straddle && sqlTextOf(query).includes('as doc from search_documents d where package_id = any')) {
        straddle = false;
        execute.mockRestore();
        await storeSearchDocuments(e.database.db, [{ ...target, private: true }]);
      }
      return original(query as never);
    }) as never);
    const names = async (canSeePrivate?: (d: { id: number; name: string }) => boolean) =>
      (await e.search('vue component', { size: 20, from: 0, canSeePrivate })).hits.map((h) => h.doc.name);
    try {
      e.engine.changed([target.id]);
      expect(await names()).not.toContain(target.name);
      expect(straddle).toBe(false);
      e.engine.changed([target.id]);
      expect(await names((d) => d.id === target.id)).toContain(target.name);
    } finally {
      execute.mockRestore();
      await storeSearchDocuments(e.database.db, [target]);
      e.engine.changed([target.id]);
    }
  });
});
