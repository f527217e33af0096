import type { Database } from '../db/database.js';
import { CHANGES_CHANNEL } from '../registry/lookup.js';
import { loadDocuments, loadDownloads } from './documents.js';
import type { SearchIndex } from './search-index.js';

/** What a change notification carries: a package id, or a signal that download counts moved. */
export type ChangeNotice = { package: number } | { downloads: true };

/**
 * Keeps one replica's search index equal to Postgres: a full rebuild each time the LISTEN
 * connection is (re)established (notifications sent while it was down are lost), and per-package
 * updates on notification. Work runs one step at a time, in arrival order.
 */
export class SearchSync {
  private queue: Promise<void> = Promise.resolve();
  private pending = new Set<number>();
  private unlisten: (() => Promise<void>) | null = null;
  lastBuild = { docs: 0, ms: 0 };

  constructor(
    private readonly database: Database,
    private readonly index: SearchIndex,
    private readonly log: (line: string) => void,
  ) {}

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
          await this.rebuild();
          if (reconnect) this.log(`search index rebuilt after the notification connection came back: ${this.lastBuild.docs} packages in ${this.lastBuild.ms} ms`);
        });
        first ??= build;
      },
    );
    await (first ?? this.enqueue(() => this.rebuild()));
  }

  async rebuild(): Promise<void> {
    const t0 = performance.now();
    const [docs, downloads] = await Promise.all([loadDocuments(this.database.db), loadDownloads(this.database.db)]);
    this.index.rebuild(docs, downloads);
    this.lastBuild = { docs: docs.length, ms: Math.round(performance.now() - t0) };
  }

  private onNotice(payload: string) {
    let notice: ChangeNotice;
    try {
      notice = JSON.parse(payload) as ChangeNotice;
    } catch {
      return;
    }
    if ('downloads' in notice) {
      void this.enqueue(async () => this.index.setDownloads(await loadDownloads(this.database.db)));
      return;
    }
    void this.refresh([notice.package]);
  }

  /**
   * Reloads packages from Postgres into the index. The replica that made a write calls this before
   * it answers, so its own search reflects the write at once; the others follow the notification.
   */
  refresh(packageIds: number[]): Promise<void> {
    // Packages asked for together are loaded together.
    for (const id of packageIds) this.pending.add(id);
    return this.enqueue(async () => {
      if (this.pending.size === 0) return;
      const ids = [...this.pending];
      this.pending.clear();
      const docs = await loadDocuments(this.database.db, ids);
      const found = new Set(docs.map((d) => d.id));
      for (const doc of docs) this.index.upsert(doc);
      for (const id of ids) if (!found.has(id)) this.index.remove(id);
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
