import { integrityOf, readTarballBytes, type PackageDoc, type ReadTarball } from '@unjucks/core';
import { Cache, cacheRoot } from './cache.js';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { getBytes, getJsonIfChanged, packageUrl, UnreachableError } from './http.js';

/** As npm: `online` revalidates metadata, `prefer-offline` trusts any cached copy, `offline` never asks the network. */
export type NetworkMode = 'online' | 'prefer-offline' | 'offline';

export const networkMode = (flags: { offline?: boolean; 'prefer-offline'?: boolean }): NetworkMode =>
  flags.offline ? 'offline' : flags['prefer-offline'] ? 'prefer-offline' : 'online';

/**
 * Where package documents and tarballs come from: the cache when it may answer, else the registry
 * (filling the cache). Tarballs are immutable and keyed by integrity, so a cached one is always used.
 */
export class PackageSource {
  readonly cache: Cache;
  readonly notes: string[] = [];
  private readonly docs = new Map<string, Promise<PackageDoc>>();

  constructor(
    readonly settings: Settings,
    readonly mode: NetworkMode,
    env = process.env,
  ) {
    this.cache = new Cache(cacheRoot(env));
  }

  /** The package document (every live version), fetched at most once per run. */
  packument(name: string, context = ''): Promise<PackageDoc> {
    let p = this.docs.get(name);
    if (!p) {
      p = this.loadPackument(name, context);
      this.docs.set(name, p);
    }
    return p;
  }

  private async loadPackument(name: string, context: string): Promise<PackageDoc> {
    const { registry } = this.settings;
    const cached = await this.cache.getMetadata<PackageDoc>(registry, name);
    if (this.mode === 'offline') {
      if (cached) return cached.doc;
      throw new CliError(`${name}${context} is not in the cache (${this.cache.root}); run without --offline to fetch it`);
    }
    if (this.mode === 'prefer-offline' && cached) return cached.doc;
    try {
      const fresh = await getJsonIfChanged<PackageDoc>(this.settings, packageUrl(registry, name), cached?.etag ?? null, `looking up ${name}${context}`);
      if (!fresh) return cached!.doc;
      await this.cache.putMetadata(registry, name, fresh.etag, fresh.body);
      return fresh.body;
    } catch (e) {
      // As npm does: an unreachable registry falls back to what was seen last, and says so.
      if (!(e instanceof UnreachableError) || !cached) throw e;
      this.notes.push(`the registry is unreachable; using the copy of ${name} cached at ${cached.fetchedAt}`);
      return cached.doc;
    }
  }

  /** The tarball's bytes, checked against `integrity` whichever way they came. */
  async tarball(label: string, url: string, integrity: string): Promise<Buffer> {
    const hit = await this.cache.getTarball(integrity);
    if (hit) return hit;
    if (this.cache.discarded.includes(integrity)) this.notes.push(`the cached tarball of ${label} was damaged; it was discarded and fetched again`);
    if (this.mode === 'offline') throw new CliError(`${label} is not in the cache (${this.cache.root}); run without --offline to fetch it`);
    const bytes = await getBytes(this.settings, url, `downloading ${label}`);
    const actual = integrityOf(bytes);
    if (actual !== integrity) throw new CliError(`integrity check failed for ${label}: expected ${integrity}, got ${actual}; nothing was written`);
    await this.cache.putTarball(integrity, bytes);
    return bytes;
  }

  /** The tarball read into files (in memory; packages are small and bounded by the registry's limits). */
  async read(label: string, url: string, integrity: string): Promise<ReadTarball> {
    const bytes = await this.tarball(label, url, integrity);
    try {
      return await readTarballBytes(bytes);
    } catch (e) {
      throw new CliError(`the tarball of ${label} is not valid: ${(e as Error).message}; nothing was written`);
    }
  }
}
