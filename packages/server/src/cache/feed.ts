import { sql } from 'drizzle-orm';
import type { Database, Db, Watch } from '../db/database.js';
import { CHANGES_CHANNEL } from '../registry/lookup.js';
import { parseNotice, type ChangeNotice } from './notices.js';

/** How long a heartbeat's answer vouches for the listening connection. */
export const LEASE_MS = 750;
const HEARTBEAT_MS = 200;

/**
 * This replica's view of the change notifications, and whether it can be trusted right now.
 *
 * The caches built on it keep an entry only while the feed is `live`: the listening connection is
 * up, and a heartbeat sent on it less than LEASE_MS ago came back, so a silent network cut is
 * noticed within the lease, not at the next TCP timeout (a notification committed before a
 * heartbeat is sent on the same socket with its answer or just after it). While not live, every
 * cache is bypassed and reads check the database as they did before the caches. Each time it
 * becomes live again (a reconnect, or a lapsed heartbeat answered) it flushes first: notifications
 * sent meanwhile may be lost.
 *
 * `seq` moves with every invalidating notice and every flush: a load that saw it move while it ran
 * may hold data older than the notice, so it is not kept.
 */
export class ChangeFeed {
  seq = 0;
  epoch = 0;
  private up = false;
  private ackedAt = Number.NEGATIVE_INFINITY;
  private beating = false;
  private timer: NodeJS.Timeout | null = null;
  private watch: Watch | null = null;
  private readonly handlers: ((n: ChangeNotice) => void)[] = [];
  private readonly flushHandlers: (() => void)[] = [];
  private readonly barriers = new Map<string, () => void>();
  /** Writes of this replica waiting for their notice, by the write id it carries (hearing). */
  private readonly writes = new Map<string, () => void>();
  private barrierCount = 0;
  /** How many times this feed flushed (tests and metrics read it). */
  flushes = 0;

  constructor(private readonly log: (msg: string) => void = () => undefined) {}

  /** A feed that is never live: every cache bypassed (a test context, or caching turned off). */
  static off(): ChangeFeed {
    return new ChangeFeed();
  }

  async open(database: Database): Promise<this> {
    let wasUp = false;
    this.watch = await database.watch(CHANGES_CHANNEL, {
      notify: (payload) => this.onNotify(payload),
      up: () => {
        this.flush();
        this.up = true;
        this.ackedAt = performance.now();
        if (wasUp) this.log('cache: the notification connection is back; caches flushed and in use again');
        wasUp = true;
      },
      down: () => {
        this.up = false;
        this.flush();
        this.log('cache: the notification connection dropped; reads check the database until it is back');
      },
    });
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
    return this;
  }

  get live(): boolean {
    return this.up && performance.now() - this.ackedAt < LEASE_MS;
  }

  onNotice(fn: (n: ChangeNotice) => void) {
    this.handlers.push(fn);
  }

  onFlush(fn: () => void) {
    this.flushHandlers.push(fn);
  }

  /** Forgets everything: no entry stored before now is trusted again. */
  flush() {
    this.seq++;
    this.epoch++;
    this.flushes++;
    for (const fn of this.flushHandlers) fn();
  }

  /**
   * After this replica's own write: waits until the feed has heard every notification committed
   * before now (its own included), so the writer's next read on this replica sees the write. When
   * that takes longer than the lease, the feed stops trusting itself until a heartbeat answers.
   */
  async barrier(db: Db): Promise<void> {
    if (!this.live) return;
    const id = `${process.pid}:${++this.barrierCount}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      this.barriers.set(id, () => resolve(true));
      timer = setTimeout(() => resolve(false), LEASE_MS);
    });
    try {
      await db.execute(sql`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify({ barrier: id })})`);
      if (!(await heard)) this.lapse();
    } finally {
      clearTimeout(timer);
      this.barriers.delete(id);
    }
  }

  /**
   * For a write whose notice carries `write` (touchPackage): called before its commit. After the
   * commit, `wait` waits until that notice is heard, which is what barrier() waits for without
   * barrier's round trip: notices come in commit order, so every one committed before the write's
   * was heard too. True once heard; false when the feed is not live or the notice did not come
   * within the lease (the feed then stops trusting itself, as after a barrier that timed out). A
   * write that does not commit calls `cancel`.
   */
  hearing(write: string): { wait(): Promise<boolean>; cancel(): void } {
    const cancel = () => void this.writes.delete(write);
    if (!this.live) return { wait: async () => false, cancel };
    let heard = false;
    let onHeard!: () => void;
    const notice = new Promise<true>((resolve) => (onHeard = () => resolve(true)));
    this.writes.set(write, () => {
      heard = true;
      onHeard();
    });
    return {
      cancel,
      wait: async () => {
        let timer: NodeJS.Timeout | undefined;
        try {
          if (heard) return true;
          const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), LEASE_MS)));
          if (await Promise.race([notice, timedOut])) return true;
          this.lapse();
          return false;
        } finally {
          clearTimeout(timer);
          cancel();
        }
      },
    };
  }

  async close() {
    if (this.timer) clearInterval(this.timer);
    this.up = false;
    await this.watch?.close().catch(() => undefined);
  }

  private lapse() {
    this.ackedAt = Number.NEGATIVE_INFINITY;
  }

  private async beat() {
    if (!this.up || this.beating || !this.watch) return;
    this.beating = true;
    const sent = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const answered = await Promise.race([
        this.watch.heartbeat().then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), LEASE_MS))),
      ]);
      if (!answered || !this.up) return;
      // Not live until now: notifications may have been missed while it lapsed.
      if (!this.live) {
        this.flush();
        this.log('cache: the notification connection answers again; caches flushed');
      }
      this.ackedAt = sent;
    } catch {
      // A failed heartbeat means a closing connection: `down` follows.
    } finally {
      clearTimeout(timer);
      this.beating = false;
    }
  }

  private onNotify(payload: string) {
    const n = parseNotice(payload);
    if (!n) return;
    if ('barrier' in n) {
      this.barriers.get(n.barrier)?.();
      return;
    }
    if ('downloads' in n) return;
    this.seq++;
    if ('access' in n) {
      this.flush();
      return;
    }
    for (const fn of this.handlers) fn(n);
    const write = 'package' in n ? n.write : undefined;
    const heard = write === undefined ? undefined : this.writes.get(write);
    if (heard) {
      this.writes.delete(write!);
      heard();
    }
  }
}
