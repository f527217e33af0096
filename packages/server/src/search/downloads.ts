import { sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { downloads } from '../db/schema.js';
import { CHANGES_CHANNEL } from '../registry/lookup.js';
import { refreshStoredDownloads } from './store.js';

/**
 * Counts tarball downloads in memory and writes them as one batched upsert per interval, never
 * one write per download. Each flush tells every replica to refresh its popularity figures.
 */
export class DownloadCounter {
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly intervalMs: number,
  ) {}

  count(packageId: number) {
    this.pending.set(packageId, (this.pending.get(packageId) ?? 0) + 1);
  }

  start() {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const day = new Date().toISOString().slice(0, 10);
    try {
      await this.db
        .insert(downloads)
        .values([...batch].map(([packageId, count]) => ({ packageId, day, count })))
        .onConflictDoUpdate({ target: [downloads.packageId, downloads.day], set: { count: sql`${downloads.count} + excluded.count` } });
      await refreshStoredDownloads(this.db, [...batch.keys()]);
      await this.db.execute(sql`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify({ downloads: true })})`);
    } catch (e) {
      // Put the counts back so the next flush carries them.
      for (const [id, n] of batch) this.pending.set(id, (this.pending.get(id) ?? 0) + n);
      throw e;
    }
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }
}
