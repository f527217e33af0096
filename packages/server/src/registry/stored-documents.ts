import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type SQL, sql } from 'drizzle-orm';
import { isPrivateSql } from '../access/rights.js';
import type { Db } from '../db/database.js';
import { rawRows, sqlList } from '../db/raw.js';
import { encodedBytes } from '../cache/encoded.js';
import type { PackageSnapshot, Rendered } from './snapshot.js';

const gzipAsync = promisify(gzip);

/** The documents kept: npm's abbreviated and full packuments, and the native API's package document. */
export type DocumentKind = 'npm:corgi' | 'npm:full' | 'package';

/** Rows written in one statement at most (six parameters each). */
const BATCH_ROWS = 64;
/** How long an offered document waits for others to share its statement. */
const FLUSH_MS = 50;
/**
 * Batches waiting for their statement at most: past them, what is offered is dropped (it is a
 * cache: a later read offers it again). Without a bound, a burst of misses against a slow database
 * held every rendered body in memory until written, most of them stale by then.
 */
const MAX_QUEUED_BATCHES = 4;
/** Names remembered as read once from the store (admit): cleared whole when full. */
const MAX_SEEN = 50_000;

/**
 * What a stored document was made by: the code that renders it (the server's rendering modules,
 * the row decoding they read through, and the core helpers they call, by content) and the public URL
 * its tarball links start with. A document made by another build, or for another URL, is never
 * served: it is rendered again.
 */
export function renderingFingerprint(): string {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const core = dirname(createRequire(import.meta.url).resolve('@unjucks/core'));
  const sources = [
    join(dirname(here), `../npm/packument${ext}`),
    join(dirname(here), `read${ext}`),
    join(dirname(here), `snapshot${ext}`),
    join(dirname(here), `../db/raw${ext}`),
    join(dirname(here), `../db/schema${ext}`),
    ...['generators.js', 'version.js', 'name.js'].map((f) => join(core, f)),
  ];
  const hash = createHash('sha1');
  for (const file of sources) hash.update(readFileSync(file));
  return hash.digest('base64url').slice(0, 16);
}

/** A stored document as found: its ETag, and its bytes gzipped (cache/send.ts storedAnswer sends them). */
export interface StoredDocument {
  etag: string;
  gzip: Uint8Array;
}

interface Pending {
  packageId: number;
  kind: DocumentKind;
  revision: number;
  rendered: Rendered;
}

/**
 * The rendered documents of public packages, kept in Postgres for every replica (package_documents):
 * a second-level cache below each replica's snapshots. At 100,000 packages most metadata reads
 * find nothing in memory (no cache that fits a replica holds every package), and a load reads every
 * live version's row (ten rows on ten pages for the scale bench's packages), decodes and renders
 * them: 0.9 to 1.5 ms of a replica's CPU and 0.4 ms of the database's. A stored document is one row.
 *
 * Exact as a load is: the query reads the package's revision and visibility as they are now, and
 * a row is served only when it was made at that revision (every change a reader can see moves it:
 * registry/lookup.ts touchPackage), by this rendering for this public URL, of a public package.
 * Anything else (a private package, a changed one, none stored) is loaded as before, and its
 * document, once rendered, is written back (offer) for the next replica that misses.
 */
export class StoredDocuments {
  private made: string | undefined;
  /** Names looked up here since they were last loaded (admit). */
  private readonly seen = new Set<string>();
  private readonly offered = new WeakSet<Rendered>();
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private queued = 0;
  /** Rows written (not skipped as stale or already there) since this was made. */
  written = 0;

  constructor(
    private readonly db: Db,
    /** Known once the server listens (server.ts): read when first needed. */
    private readonly publicUrl: () => string,
    private readonly onLookup: (hit: boolean) => void = () => undefined,
    /** A failed lookup or write: reported, never thrown (the read loads instead; the write is a cache's). */
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly fingerprint = renderingFingerprint(),
    /** A replica drops offers past MAX_QUEUED_BATCHES; `unjucks-registry documents` waits for every one. */
    private readonly maxQueuedBatches = MAX_QUEUED_BATCHES,
  ) {}

  /** What this replica's documents are made by and for (renderingFingerprint, then the public URL). */
  get madeFor() {
    return (this.made ??= `${this.fingerprint} ${this.publicUrl()}`);
  }

  /**
   * Whether a read of `name` should look here first: once until it is loaded. A package read twice
   * is worth a snapshot in memory (then its reads cost no round trip at all); one read once in a
   * while is not, and its document alone is cheaper to fetch than to rebuild. After a miss the next
   * read loads without asking again: a refused hot read is answered again by the framework, and a
   * missing package would otherwise cost two lookups more.
   */
  private admit(name: string): boolean {
    if (this.seen.delete(name)) return false;
    if (this.seen.size >= MAX_SEEN) this.seen.clear();
    this.seen.add(name);
    return true;
  }

  /**
   * The stored document of `name`, when it is current and the package public; null when the
   * snapshot must be loaded instead (nothing current stored, a private or missing package, a
   * package looked up here before: admit, or a lookup that failed).
   */
  async find(name: string, kind: DocumentKind): Promise<StoredDocument | null> {
    if (!this.admit(name)) return null;
    let row: { private: boolean; etag: string | null; gzip: Uint8Array | null } | undefined;
    try {
      [row] = await rawRows<NonNullable<typeof row>>(
        this.db,
        sql`select ${isPrivateSql} as private, d.etag, d.gzip
          from packages left join package_documents d on d.package_id = packages.id and d.kind = ${kind}
            and d.revision = packages.revision and d.made_for = ${this.madeFor}
          where packages.name = ${name}`,
      );
    } catch (e) {
      this.onError(e);
      return null;
    }
    const hit = !!row && row.private !== true && row.etag !== null && row.gzip !== null;
    this.onLookup(hit);
    return hit ? { etag: row!.etag!, gzip: row!.gzip! } : null;
  }

  /**
   * Keeps a document rendered from a snapshot for other replicas: written within FLUSH_MS, with
   * the others offered meanwhile, unless a newer one is stored. Each rendering once; only a public
   * package's with live versions (what find may serve to anyone).
   */
  offer(s: PackageSnapshot, kind: DocumentKind, r: Rendered) {
    if (this.offered.has(r)) return;
    this.offered.add(r);
    if (s.pkg.private || s.versions.size === 0) return;
    const key = `${s.pkg.id}:${kind}`;
    const queued = this.pending.get(key);
    if (queued && queued.revision >= s.pkg.revision) return;
    this.pending.set(key, { packageId: s.pkg.id, kind, revision: s.pkg.revision, rendered: r });
    if (this.pending.size >= BATCH_ROWS) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Writes what was offered; resolves when everything offered so far is written, or failed (reported to onError). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // In one order (package, then kind) on every replica: two statements upserting the same rows
    // in opposite orders would deadlock.
    const rows = [...this.pending.values()].sort((x, y) => x.packageId - y.packageId || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0));
    this.pending.clear();
    for (let i = 0; i < rows.length; i += BATCH_ROWS) {
      if (this.queued >= this.maxQueuedBatches) break;
      const batch = rows.slice(i, i + BATCH_ROWS);
      this.queued++;
      // One statement at a time: a burst of misses takes one of the pool's connections, not all.
      this.writing = this.writing.then(() =>
        this.write(batch)
          .catch(this.onError)
          .finally(() => this.queued--),
      );
    }
    return this.writing;
  }

  /**
   * Stores a batch. A row is written only while its revision is still the package's (one made
   * stale before it was written is of no use), and replaces only an older one, or one made by
   * another rendering: two replicas of different builds at the same revision take turns, and
   * a replica that rendered an older revision late never puts it back.
   */
  private async write(batch: Pending[]) {
    // Compressed off the event loop, once per rendering: the replica's own gzip copy when made.
    const gzipped = await Promise.all(batch.map((p) => gzipOf(p.rendered)));
    const values = sqlList(
      batch.map((p, i) => sql`(${p.packageId}::int, ${p.kind}, ${p.revision}::int, ${p.rendered.etag}, ${gzipped[i]}::bytea)`),
      (v) => v as SQL,
    );
    const written = await rawRows(
      this.db,
      sql`insert into package_documents (package_id, kind, revision, made_for, etag, gzip)
        select d.package_id, d.kind, d.revision, ${this.madeFor}, d.etag, d.gzip
        from (values ${values}) as d(package_id, kind, revision, etag, gzip)
        join packages p on p.id = d.package_id and p.revision = d.revision
        order by d.package_id, d.kind
        on conflict (package_id, kind) do update
          set revision = excluded.revision, made_for = excluded.made_for, etag = excluded.etag, gzip = excluded.gzip
          where package_documents.revision < excluded.revision
            or (package_documents.revision = excluded.revision and package_documents.made_for <> excluded.made_for)
        returning 1`,
    );
    this.written += written.length;
  }
}

/** A rendering's bytes gzipped, as cache/encoded.ts makes and keeps them for the replica's own answers. */
async function gzipOf(r: Rendered): Promise<Uint8Array> {
  const copy = await encodedBytes(r, 'gzip');
  // Below the size encoded.ts compresses at, it keeps the bytes as they are.
  return copy.encoding === 'gzip' ? copy.bytes : gzipAsync(r.bytes);
}
