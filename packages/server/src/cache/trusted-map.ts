import type { ChangeFeed } from './feed.js';

/**
 * A map whose entries are served only while the feed vouches for them: stored from a load during
 * which no notice arrived, in the feed's current epoch, and read while the feed is live.
 */
export class TrustedMap<K, V> {
  private readonly entries = new Map<K, { value: V; epoch: number }>();

  constructor(
    private readonly feed: ChangeFeed,
    private readonly maxEntries: number,
    private readonly onLookup: (hit: boolean) => void = () => undefined,
  ) {
    feed.onFlush(() => this.entries.clear());
  }

  get size() {
    return this.entries.size;
  }

  /**
   * The entry fetch would answer from memory, without waiting (counted as a hit), or undefined when
   * fetch would have to load it: for the hot reads, which take the synchronous path when they can.
   */
  peek(key: K): { value: V } | undefined {
    if (!this.feed.live) return undefined;
    const e = this.entries.get(key);
    if (!e || e.epoch !== this.feed.epoch) return undefined;
    this.onLookup(true);
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /** The cached value when it can be trusted, else what `load` returns (kept when it can be). */
  async fetch(key: K, load: () => Promise<V>): Promise<V> {
    if (this.feed.live) {
      const e = this.entries.get(key);
      if (e && e.epoch === this.feed.epoch) {
        this.onLookup(true);
        // Map order doubles as recency for eviction.
        this.entries.delete(key);
        this.entries.set(key, e);
        return e.value;
      }
    }
    this.onLookup(false);
    const { seq, epoch } = this.feed;
    const live = this.feed.live;
    const value = await load();
    if (live && this.feed.live && this.feed.seq === seq) {
      this.entries.delete(key);
      this.entries.set(key, { value, epoch });
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return value;
  }

  delete(key: K) {
    this.entries.delete(key);
  }

  deleteWhere(pred: (key: K, value: V) => boolean) {
    for (const [k, e] of this.entries) if (pred(k, e.value)) this.entries.delete(k);
  }

  clear() {
    this.entries.clear();
  }
}
