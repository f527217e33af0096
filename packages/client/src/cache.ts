import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { integrityOf, sha512HexOfIntegrity } from '@unjucks/core';

/** `$XDG_CACHE_HOME/unjucks`, else `~/.cache/unjucks`. */
export const cacheRoot = (env = process.env) => join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'unjucks');

export interface CachedMetadata<T> {
  registry: string;
  name: string;
  etag: string | null;
  fetchedAt: string;
  doc: T;
}

/**
 * Tarballs keyed by their sha512 integrity, plus the last package document seen per registry and name.
 * Every write goes to a uniquely named file beside its target and is renamed into place, so two
 * installs filling the cache at once never see half a file: rename is atomic, and both write the same
 * bytes. A tarball is hashed again on every read; a damaged entry is deleted and reported as a miss.
 */
export class Cache {
  /** Integrities whose entry was damaged on disk and has been thrown away during this run. */
  readonly discarded: string[] = [];

  constructor(readonly root: string) {}

  private contentPath(integrity: string): string | null {
    const hex = sha512HexOfIntegrity(integrity);
    return hex ? join(this.root, 'content-v1', 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4)) : null;
  }

  private metadataPath(registry: string, name: string): string {
    const key = createHash('sha256').update(`${registry}\0${name}`).digest('hex');
    return join(this.root, 'metadata-v1', key.slice(0, 2), `${key.slice(2)}.json`);
  }

  async getTarball(integrity: string): Promise<Buffer | null> {
    const path = this.contentPath(integrity);
    if (!path) return null;
    const bytes = await readFile(path).catch(() => null);
    if (!bytes) return null;
    if (integrityOf(bytes) === integrity) return bytes;
    this.discarded.push(integrity);
    await rm(path, { force: true });
    return null;
  }

  async putTarball(integrity: string, bytes: Buffer): Promise<void> {
    const path = this.contentPath(integrity);
    if (path) await this.write(path, bytes);
  }

  private factsPath(integrity: string, fingerprint: string): string | null {
    const hex = sha512HexOfIntegrity(integrity);
    return hex ? join(this.root, 'facts-v1', fingerprint, hex.slice(0, 2), `${hex.slice(2)}.json`) : null;
  }

  /** What the validator found in a tarball, remembered per integrity and per validator build. */
  async getFacts<T>(integrity: string, fingerprint: string): Promise<T | null> {
    const path = this.factsPath(integrity, fingerprint);
    return path
      ? readFile(path, 'utf8').then(
          (t) => JSON.parse(t) as T,
          () => null,
        )
      : null;
  }

  async putFacts(integrity: string, fingerprint: string, facts: unknown): Promise<void> {
    const path = this.factsPath(integrity, fingerprint);
    if (path) await this.write(path, Buffer.from(JSON.stringify(facts)));
  }

  async getMetadata<T>(registry: string, name: string): Promise<CachedMetadata<T> | null> {
    try {
      const entry = JSON.parse(await readFile(this.metadataPath(registry, name), 'utf8')) as CachedMetadata<T>;
      return entry.registry === registry && entry.name === name ? entry : null;
    } catch {
      // Missing or unreadable: a miss either way; the next fetch rewrites it.
      return null;
    }
  }

  async putMetadata<T>(registry: string, name: string, etag: string | null, doc: T): Promise<void> {
    const entry: CachedMetadata<T> = { registry, name, etag, fetchedAt: new Date().toISOString(), doc };
    await this.write(this.metadataPath(registry, name), Buffer.from(JSON.stringify(entry)));
  }

  /** Best effort: a cache that cannot be written (read-only home, full disk) never fails a command. */
  private async write(path: string, bytes: Buffer): Promise<void> {
    const tmp = `${path}.${randomUUID()}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, path);
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}
