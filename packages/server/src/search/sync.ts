import type { Database } from '../db/database.js';
import { CHANGES_CHANNEL } from '../registry/lookup.js';
import { loadDownloads } from './documents.js';
import type { ParsedQuery } from './query.js';
import { PostgresSearch } from './postgres-search.js';
import type { SearchHit } from './search-index.js';
import { SearchIndex } from './search-index.js';
import { backfillSearchDocuments, countStoredDocuments, loadStoredDocuments, refreshStoredDownloads } from './store.js';

import type { ChangeNotice } from '../cache/notices.js';

type SearchOpts = { size: number; from: number; canSeePrivate?: (doc: { id: number; name: string }) => boolean };
type Suggestion = { type: 'package' | 'generator'; value: string; package: string };

/** What the routes search through: the in-memory index or Postgres itself. */
export interface SearchEngine {
  search(q: ParsedQuery, opts: SearchOpts): { total: number; hits: SearchHit[] } | Promise<{ total: number; hits: SearchHit[] }>;
  suggest(prefix: string, canSeePrivate?: SearchOpts['canSeePrivate']): Suggestion[] | Promise<Suggestion[]>;
}

/**
 * Keeps one replica's search equal to Postgres. With the memory engine: loads the index from the
 * stored search documents each time the LISTEN connection is (re)established (notifications sent
 * while it was down are lost), and reloads single packages on notification. With the postgres
 * engine there is nothing to hold; notifications only refresh the popularity scale.
 * Work runs one step at a time, in arrival order.
 */
export class SearchSync {
  private queue: Promise<void> = Promise.resolve();
  private pending = new Set<number>();
  /**
   * A write's two refreshes on the replica that made it (the writer's own, after its commit, and
   * the one its notification asks for) load the same committed document: whichever comes second
   * reuses the first. Keyed by write id; bounded, since notices of other replicas' writes are
   * never claimed here.
   */
  private writes = new Map<string, Promise<void> | 'own'>();
  private unlisten: (() => Promise<void>) | null = null;
  lastBuild = { docs: 0, ms: 0, backfilled: 0 };
  readonly engine: SearchEngine;
  readonly kind: 'memory' | 'postgres';

  private constructor(
    private readonly database: Database,
    kind: 'memory' | 'postgres',
    cacheEntries: number,
    private readonly log: (line: string) => void,
  ) {
    this.kind = kind;
    this.engine = kind === 'memory' ? new SearchIndex(cacheEntries) : new PostgresSearch(database.db);
  }

  /**
   * Backfills stored documents behind their package's revision (after the migration, or rows
   * written straight into Postgres), then picks the engine: `auto` keeps memory up to maxPackages.
   */
  static async open(
    database: Database,
    opts: { engine: 'memory' | 'postgres' | 'auto'; maxPackages: number; cacheEntries: number },
    log: (line: string) => void,
  ): Promise<SearchSync> {
    const t0 = performance.now();
    const backfilled = await backfillSearchDocuments(database.db);
    // Totals move as days pass, not only on downloads: bring the stored ones up to date.
    await refreshStoredDownloads(database.db);
    if (backfilled) log(`search documents written for ${backfilled} packages in ${Math.round(performance.now() - t0)} ms`);
    const kind = opts.engine === 'auto' ? ((await countStoredDocuments(database.db)) > opts.maxPackages ? 'postgres' : 'memory') : opts.engine;
    const sync = new SearchSync(database, kind, opts.cacheEntries, log);
    sync.lastBuild.backfilled = backfilled;
    return sync;
  }

  private get index(): SearchIndex | null {
    return this.engine instanceof SearchIndex ? this.engine : null;
  }

  private enqueue(step: () => Promise<void>) {
    this.queue = this.queue.then(step).catch((e: Error) => this.log(`search index update failed: ${e.stack ?? e}`));
    return this.queue;
  }

  /** Listens, and resolves once the first full build is done. */
  async start(): Promise<void> {
    let first: Promise<void> | null = null;
    this.unlisten = await this.database.listen(
      CHANGES_CHANNEL,
      (payload) => this.onNotice(payload),
      () => {
        const reconnect = first !== null;
        const build = this.enqueue(async () => {
          // After a gap, documents may lag their packages (a write whose document was not rewritten).
          if (reconnect) await backfillSearchDocuments(this.database.db);
          await this.rebuild();
          if (reconnect)
            this.log(`search index rebuilt after the notification connection came back: ${this.lastBuild.docs} packages in ${this.lastBuild.ms} ms`);
        });
        first ??= build;
      },
    );
    await (first ?? this.enqueue(() => this.rebuild()));
  }

  async rebuild(): Promise<void> {
    const t0 = performance.now();
    if (this.engine instanceof PostgresSearch) {
      this.engine.changed();
      await this.engine.loadDownloads();
      this.lastBuild = { ...this.lastBuild, docs: 0, ms: Math.round(performance.now() - t0) };
      return;
    }
    const [docs, downloads] = await Promise.all([loadStoredDocuments(this.database.db), loadDownloads(this.database.db)]);
    this.index!.rebuild(docs, downloads);
    this.lastBuild = { ...this.lastBuild, docs: docs.length, ms: Math.round(performance.now() - t0) };
  }

  private onNotice(payload: string) {
    let notice: ChangeNotice;
    try {
      notice = JSON.parse(payload) as ChangeNotice;
    } catch {
      return;
    }
    if ('downloads' in notice) {
      void this.enqueue(async () => {
        if (this.engine instanceof PostgresSearch) await this.engine.loadDownloads();
        else this.index!.setDownloads(await loadDownloads(this.database.db));
      });
      return;
    }
    // Other notices are for the caches (cache/notices.ts).
    if (!('package' in notice)) return;
    if (notice.write !== undefined) {
      const seen = this.writes.get(notice.write);
      // This replica's writer refreshed after its commit: the document it loaded is this notice's.
      if (seen === 'own') return void this.writes.delete(notice.write);
      this.remember(notice.write, this.refresh([notice.package]));
      return;
    }
    void this.refresh([notice.package]);
  }

  private remember(write: string, what: Promise<void> | 'own') {
    if (this.writes.size >= 256) this.writes.delete(this.writes.keys().next().value!);
    this.writes.set(write, what);
  }

  /**
   * Reloads packages' stored documents into the index. The replica that made a write calls this
   * before it answers, so its own search reflects the write at once; the others follow the notification.
   */
  refresh(packageIds: number[], write?: string): Promise<void> {
    if (write !== undefined) {
      // The notice came first: its refresh, queued after the commit, already loads this write.
      const noticed = this.writes.get(write);
      if (noticed !== undefined && noticed !== 'own') {
        this.writes.delete(write);
        return noticed;
      }
      this.remember(write, 'own');
    }
    if (this.engine instanceof PostgresSearch) {
      // Its next searches wait until the kept postings are settled (PostgresSearch.changed).
      this.engine.changed(packageIds);
      return this.queue;
    }
    // Packages asked for together are loaded together.
    for (const id of packageIds) this.pending.add(id);
    return this.enqueue(async () => {
      if (this.pending.size === 0) return;
      const ids = [...this.pending];
      this.pending.clear();
      const docs = await loadStoredDocuments(this.database.db, ids);
      const found = new Set(docs.map((d) => d.id));
      for (const doc of docs) this.index!.upsert(doc);
      for (const id of ids) if (!found.has(id)) this.index!.remove(id);
    });
  }

  /** Waits for queued updates (tests and shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }

  async stop() {
    await this.unlisten?.().catch(() => undefined);
    await this.queue;
  }
}
