import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { isPrivateSql } from '../access/rights.js';
import type { Db } from '../db/database.js';
import { rawRows, sqlList } from '../db/raw.js';
import { type PackageSnapshot, type Rendered, utf8 } from './snapshot.js';

/** The documents kept: npm's abbreviated and full packuments, and the native API's package document. */
export type DocumentKind = 'npm:corgi' | 'npm:full' | 'package';

/** Rows written in one statement at most (six parameters each). */
const BATCH_ROWS = 64;
/** How long an offered document waits for others to share its statement. */
const FLUSH_MS = 50;
/** Names remembered as read once from the store (admit): cleared whole when full. */
const MAX_SEEN = 50_000;

/**
 * What a stored document was made by: the code that renders it (the server's rendering modules and
 * the core helpers they call, by content) and the public URL its tarball links start with. A
 * document made by another build, or for another URL, is never served: it is rendered again.
 */
export function renderingFingerprint(): string {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const core = dirname(createRequire(import.meta.url).resolve('@unjucks/core'));
  const sources = [
    join(dirname(here), `../npm/packument${ext}`),
    join(dirname(here), `read${ext}`),
    join(dirname(here), `snapshot${ext}`),
    ...['generators.js', 'version.js', 'name.js'].map((f) => join(core, f)),
  ];
  const hash = createHash('sha1');
  for (const file of sources) hash.update(readFileSync(file));
  return hash.digest('base64url').slice(0, 16);
}

interface Pending {
  packageId: number;
  kind: DocumentKind;
  revision: number;
  etag: string;
  body: Uint8Array;
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
  /** Names answered once from the store since they were last loaded (admit). */
  private readonly seen = new Set<string>();
  private readonly offered = new WeakSet<Rendered>();
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    /** Known once the server listens (server.ts): read when first needed. */
    private readonly publicUrl: () => string,
    private readonly onLookup: (hit: boolean) => void = () => undefined,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly fingerprint = renderingFingerprint(),
  ) {}

  /** What this replica's documents are made by and for (renderingFingerprint, then the public URL). */
  get madeFor() {
    return (this.made ??= `${this.fingerprint} ${this.publicUrl()}`);
  }

  /**
   * Whether a read of `name` should look here first: only once per name until it is loaded. A
   * package read twice is worth a snapshot in memory (then its reads cost no round trip at all);
   * one read once in a while is not, and its document alone is cheaper to fetch than to rebuild.
   */
  private admit(name: string): boolean {
    if (this.seen.delete(name)) return false;
    if (this.seen.size >= MAX_SEEN) this.seen.clear();
    this.seen.add(name);
    return true;
  }

  /**
   * The stored document of `name`, when it is current and the package public; null when the
   * snapshot must be loaded instead (nothing current stored, a private or missing package, or a
   * package read from here before: admit).
   */
  async find(name: string, kind: DocumentKind): Promise<Rendered | null> {
    if (!this.admit(name)) return null;
    const [row] = await rawRows<{ private: boolean; etag: string | null; body: string | null }>(
      this.db,
      sql`select ${isPrivateSql} as private, d.etag, d.body
        from packages left join package_documents d on d.package_id = packages.id and d.kind = ${kind}
          and d.revision = packages.revision and d.made_for = ${this.madeFor}
        where packages.name = ${name}`,
    );
    const hit = !!row && row.private !== true && row.etag !== null && row.body !== null;
    this.onLookup(hit);
    if (!hit) {
      // Loaded next: its snapshot is what the following reads use.
      this.seen.delete(name);
      return null;
    }
    return { etag: row.etag!, bytes: utf8(row.body!) };
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
    this.pending.set(key, { packageId: s.pkg.id, kind, revision: s.pkg.revision, etag: r.etag, body: r.bytes });
    if (this.pending.size >= BATCH_ROWS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  /** Writes what was offered; resolves when everything offered so far is written (or failed: it is a cache). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = [...this.pending.values()];
    this.pending.clear();
    for (let i = 0; i < rows.length; i += BATCH_ROWS) {
      const batch = rows.slice(i, i + BATCH_ROWS);
      // One statement at a time: a burst of misses takes one of the pool's connections, not all.
      this.writing = this.writing.then(() => this.write(batch).catch(this.onError));
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
    const decoder = new TextDecoder();
    const values = sqlList(batch, (v) => {
      const p = v as Pending;
      return sql`(${p.packageId}::int, ${p.kind}, ${p.revision}::int, ${p.etag}, ${decoder.decode(p.body)})`;
    });
    await rawRows(
      this.db,
      sql`insert into package_documents (package_id, kind, revision, made_for, etag, body)
        select d.package_id, d.kind, d.revision, ${this.madeFor}, d.etag, d.body
        from (values ${values}) as d(package_id, kind, revision, etag, body)
        join packages p on p.id = d.package_id and p.revision = d.revision
        on conflict (package_id, kind) do update
          set revision = excluded.revision, made_for = excluded.made_for, etag = excluded.etag, body = excluded.body
          where package_documents.revision < excluded.revision
            or (package_documents.revision = excluded.revision and package_documents.made_for <> excluded.made_for)`,
    );
  }
}
