import { bytesBlob, type BlobStore, type ListedBlob, type StoredBlob } from './blob-store.js';

/** For unit tests of code that needs a store but not its engine. */
export class MemoryBlobStore implements BlobStore {
  readonly describe = 'in-memory blobs';
  readonly blobs = new Map<string, Uint8Array>();
  readonly modified = new Map<string, Date>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    if (!this.blobs.has(key)) this.blobs.set(key, new Uint8Array(bytes));
    this.modified.set(key, new Date());
  }

  async get(key: string): Promise<StoredBlob | null> {
    const bytes = this.blobs.get(key);
    return bytes ? bytesBlob(bytes) : null;
  }

  async has(key: string): Promise<boolean> {
    return this.blobs.has(key);
  }

  async delete(key: string): Promise<void> {
    this.blobs.delete(key);
    this.modified.delete(key);
  }

  async *list(): AsyncIterable<ListedBlob> {
    for (const key of [...this.blobs.keys()]) yield { key, modified: this.modified.get(key) ?? new Date() };
  }

  async ping(): Promise<void> {}
}
