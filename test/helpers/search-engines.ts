import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../packages/server/src/db/database.js';
import { downloads as downloadsTable, packages, users } from '../../packages/server/src/db/schema.js';
import type { SearchDoc } from '../../packages/server/src/search/documents.js';
import { PostgresSearch } from '../../packages/server/src/search/postgres-search.js';
import { parseQuery } from '../../packages/server/src/search/query.js';
import { SearchIndex, type SearchHit } from '../../packages/server/src/search/search-index.js';
import { refreshStoredDownloads, storeSearchDocuments } from '../../packages/server/src/search/store.js';
import { HEROES, searchDocOf, type CorpusPackage } from '../fixtures/search-corpus.js';

// Both search engines over a corpus, for the engine tests (packages/server/src/search/engines.test.ts)
// and the security tests that need an engine's inside: the in-memory index, and Postgres answering
// from stored documents (PGlite in-process).

export type Opts = { size: number; from: number; canSeePrivate?: (doc: { id: number; name: string }) => boolean };
export interface Engine {
  search(q: string, opts: Opts, deprecated?: boolean): Promise<{ total: number; hits: SearchHit[] }>;
  suggest(p: string): Promise<{ type: string; value: string; package: string }[]>;
}

/** Packages with their downloads, and one more that is private. */
export function docsOf(pkgs: CorpusPackage[]) {
  const docs = pkgs.map((p, i) => searchDocOf(p, i + 1));
  docs.push(searchDocOf({ ...HEROES[0]!, name: '@hidden/react-component-secret' }, docs.length + 1, { private: true }));
  return { docs, downloads: new Map(pkgs.map((p, i) => [i + 1, p.downloads])) };
}

export async function memoryEngine(pkgs: CorpusPackage[]): Promise<Engine & { close(): Promise<void> }> {
  const { docs, downloads } = docsOf(pkgs);
  const index = new SearchIndex(0);
  index.rebuild(docs, downloads);
  return {
    search: async (q, opts, deprecated) => index.search(parseQuery(q, { deprecated }), opts),
    suggest: async (p) => index.suggest(p),
    close: async () => undefined,
  };
}

export async function postgresEngine(
  pkgs: CorpusPackage[],
): Promise<Engine & { close(): Promise<void>; stored: SearchDoc[]; engine: PostgresSearch; database: Database }> {
  const dir = await mkdtemp(join(tmpdir(), 'search-engines-'));
  const database: Database = await openDatabase({ databaseUrl: null, dataDir: dir, holder: 'test' });
  await database.migrate();
  const { docs, downloads } = docsOf(pkgs);
  const [owner] = await database.db.insert(users).values({ name: 'admin' }).returning({ id: users.id });
  const rows = await database.db
    .insert(packages)
    .values(docs.map((d) => ({ name: d.name, canonicalName: d.name.replace(/[._-]/g, ''), createdBy: owner!.id })))
    .returning({ id: packages.id, name: packages.name });
  const idOf = new Map(rows.map((r) => [r.name, r.id]));
  const stored = docs.map((d) => ({ ...d, id: idOf.get(d.name)! }));
  await storeSearchDocuments(database.db, stored);
  const day = new Date().toISOString().slice(0, 10);
  const counted = docs.filter((d) => downloads.get(d.id)).map((d) => ({ packageId: idOf.get(d.name)!, day, count: downloads.get(d.id)! }));
  // A corpus may have no downloads at all (drizzle refuses an insert of no rows).
  if (counted.length) await database.db.insert(downloadsTable).values(counted);
  await refreshStoredDownloads(database.db);
  const engine = new PostgresSearch(database.db);
  await engine.loadDownloads();
  return {
    search: (q, opts, deprecated) => engine.search(parseQuery(q, { deprecated }), opts),
    suggest: (p) => engine.suggest(p),
    stored,
    engine,
    database,
    close: async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A drizzle query's literal text (its template's strings, not what was put in them): enough to tell statements apart in a test. */
export const sqlTextOf = (query: unknown): string =>
  ((query as { queryChunks?: { value?: unknown }[] }).queryChunks ?? []).flatMap((c) => (Array.isArray(c.value) ? c.value : [])).join('');
