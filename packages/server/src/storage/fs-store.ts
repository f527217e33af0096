import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobStore, ListedBlob, StoredBlob } from './blob-store.js';

/** Blobs as files under one folder, sharded by the first bytes of the hash. */
export class FsBlobStore implements BlobStore {
  readonly describe: string;

  constructor(private readonly root: string) {
    this.describe = `local blobs in ${root}`;
  }

  private pathOf(key: string): string {
    const [algo, hex] = key.split('/');
    if (!algo || !hex || key.includes('..')) throw new Error(`bad blob key ${key}`);
    return join(this.root, algo, hex.slice(0, 2), hex.slice(2, 4), hex);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    if (await this.has(key)) {
      // Same bytes again: refresh the time, so gc's grace period covers the publish now using it.
      const now = new Date();
      await utimes(path, now, now);
      return;
    }
    await mkdir(dirname(path), { recursive: true });
    // Write aside, then rename: a reader never sees a half-written blob, even after a crash.
    const tmp = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async get(key: string): Promise<StoredBlob | null> {
    const path = this.pathOf(key);
    try {
      const { size } = await stat(path);
      return { size, stream: () => Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array> };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      () => true,
      () => false,
    );
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(): AsyncIterable<ListedBlob> {
    let entries: string[];
    try {
      entries = await readdir(this.root, { recursive: true });
    } catch {
      return;
    }
    for (const rel of entries) {
      const parts = rel.split(sep);
      if (parts.length === 4 && !rel.endsWith('.tmp')) {
        const st = await stat(join(this.root, rel));
        if (st.isFile()) yield { key: `${parts[0]}/${parts[3]}`, modified: st.mtime };
      }
    }
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }
}
