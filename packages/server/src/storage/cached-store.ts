import { bytesBlob, type BlobStore, type ListedBlob, type StoredBlob } from './blob-store.js';

/**
 * Keeps recently read blobs in memory, up to a byte budget. Keys are content hashes and a blob
 * never changes, so nothing here can go stale and no replica needs telling about another's writes.
 */
export class CachedBlobStore implements BlobStore {
  readonly describe: string;
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;
  /** The key last made most recently used (the last of entries): a hot blob read again moves nothing (see SnapshotCache.newest). */
  private newest: string | undefined;

  constructor(
    private readonly inner: BlobStore,
    private readonly maxBytes: number,
    private readonly maxItemBytes = Math.min(4 * 1024 * 1024, maxBytes),
  ) {
    this.describe = `${inner.describe}, ${Math.round(maxBytes / 1024 / 1024)} MiB read cache`;
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.inner.put(key, bytes);
  }

  peek(key: string): Uint8Array | undefined {
    const hit = this.entries.get(key);
    if (hit && this.newest !== key) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.newest = key;
    }
    return hit;
  }

  async get(key: string): Promise<StoredBlob | null> {
    const hit = this.peek(key);
    if (hit) return bytesBlob(hit);
    const blob = await this.inner.get(key);
    if (!blob || blob.size > this.maxItemBytes) return blob;
    const bytes = new Uint8Array(await new Response(blob.stream()).arrayBuffer());
    this.remember(key, bytes);
    return bytesBlob(bytes);
  }

  private remember(key: string, bytes: Uint8Array) {
    if (this.entries.has(key)) return;
    this.entries.set(key, bytes);
    this.newest = key;
    this.bytes += bytes.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      if (this.newest === k) this.newest = undefined;
      this.bytes -= v.byteLength;
    }
  }

  has(key: string): Promise<boolean> {
    return this.entries.has(key) ? Promise.resolve(true) : this.inner.has(key);
  }

  async delete(key: string): Promise<void> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      if (this.newest === key) this.newest = undefined;
      this.bytes -= hit.byteLength;
    }
    await this.inner.delete(key);
  }

  list(): AsyncIterable<ListedBlob> {
    return this.inner.list();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}
