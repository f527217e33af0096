import { createHash, randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { isPrivateSql } from '../access/rights.js';
import { parseName, type ValidationReport } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { columnList, rawRows, rowDecoder } from '../db/raw.js';
import { packages, versions } from '../db/schema.js';
import { notFound } from './lookup.js';
import { ChangeFeed } from '../cache/feed.js';

/**
 * A version's report as snapshots keep it: without its findings, which only the report and diff
 * routes read, from the database (storedReport). They are most of a report (18 of 23 kB for a
 * 30-template package with a few warnings each), so a snapshot held them for every version it
 * has: the metadata cache's bound filled with a few busy packages, and each cold read parsed them.
 */
export type ReportSummary = Omit<ValidationReport, 'findings'>;
export type VersionRow = Omit<typeof versions.$inferSelect, 'report'> & { report: ReportSummary | null; publisherName: string | null };

/** A version's row as stored, report whole, with its publisher's name. */
export type StoredVersionRow = typeof versions.$inferSelect & { publisherName: string | null };

/** A report as a snapshot keeps it (see ReportSummary). */
export function summaryOf(report: ValidationReport | null): ReportSummary | null {
  if (!report) return null;
  const { findings: _, ...summary } = report;
  return summary;
}

/** A version's whole report, findings included, as stored at publish time. */
export async function storedReport(db: Db, versionId: number): Promise<ValidationReport | null> {
  const [row] = await db.select({ report: versions.report }).from(versions).where(eq(versions.id, versionId));
  return row?.report ?? null;
}

/** Everything the read routes need about one package, as of one revision. */
export interface PackageSnapshot {
  /** The row, with its effective visibility (its own, else its org's default). */
  pkg: typeof packages.$inferSelect & { private: boolean };
  /**
   * Live versions only: every reader (native documents, npm packuments, tarballs, resolution, and
   * any cache built on a snapshot) sees these and nothing else.
   */
  versions: Map<string, VersionRow>;
  /** Staged and rejected versions, for the package's maintainers only (registry/review.ts). */
  held: Map<string, VersionRow>;
  tags: Record<string, string>;
  /** Users with a direct owner or maintainer grant, and publishers of live versions (npm's `maintainers`). */
  maintainers: string[];
  /** Serialized responses derived from this snapshot, so each is built once per revision. */
  rendered: Map<string, Rendered>;
  /** What holding it costs, estimated (see snapshotBytes): SnapshotCache's bound. */
  bytes: number;
}

/**
 * Caches package snapshots by revision. While this replica's change feed is live, a snapshot
 * confirmed since the last flush is served with no query at all: every write bumps the revision and
 * notifies in its transaction, and the notice drops the snapshot here (cache/feed.ts). Otherwise a
 * read costs one indexed lookup of (id, revision), and the rest comes from memory while it matches.
 */
export class SnapshotCache {
  private readonly entries = new Map<string, PackageSnapshot>();
  /** The estimated bytes of the snapshots in entries. */
  private held = 0;
  /**
   * The name last made most recently used (it is the last of entries): reading it again moves
   * nothing. A hot package read over and over otherwise deletes and re-inserts its entry on every
   * read, and a Map that drops to few entries shrinks and regrows its table each time (4 % of a
   * cached read's CPU with one package read at c=32).
   */
  private newest: string | undefined;
  /** The feed epoch in which each snapshot was last confirmed against the database. */
  private readonly confirmed = new WeakMap<PackageSnapshot, number>();
  /**
   * Snapshots a change notice made stale. They stay in entries (and in its bounds) until the next
   * read reloads them, as that load's starting point: it then reads and parses the published
   * columns (manifest, README, report) of the versions that are new since, not of every version.
   * Dropped instead, every other replica read and parsed the whole package after each publish to
   * it: for 100 versions of the 30-file bench package, 11.6 ms for that read, 3.4 ms reusing them.
   */
  private readonly stale = new WeakSet<PackageSnapshot>();
  /** Loads under way, by name, with the feed's position when each began. */
  private readonly loading = new Map<string, { seq: number; epoch: number; snapshot: Promise<PackageSnapshot> }>();
  /** Names whose stale snapshot waits for its reload (reloadSoon), and how many reloads run. */
  private readonly toReload = new Set<string>();
  /** Names whose reload waits for a load that began before their notice (reloadAfter). */
  private readonly deferred = new Set<string>();
  private reloads = 0;
  /** Snapshots built by writes on this replica, by the write id their commit's notice carries (expect). */
  private readonly expected = new Map<string, { snapshot: PackageSnapshot; at: number }>();

  /**
   * Bounded by count and by estimated bytes (maxBytes): a count alone let memory follow package
   * size, and at 100,000 packages the metadata bench filled 2,000 entries with 250 MB of RSS.
   */
  constructor(
    private readonly maxEntries = 2000,
    private readonly onLookup: (hit: boolean) => void = () => undefined,
    private readonly feed: ChangeFeed = ChangeFeed.off(),
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    /**
     * With it, a snapshot a notice made stale is loaded again at once, not by its next reader:
     * after another replica's publish to a package read here, the first read after the notice
     * otherwise waited for the reload's round trip (most of the +45 % at p99 of metadata reads
     * under publishes, bench/mixed-load.mjs). Only snapshots held are reloaded, once a notice.
     */
    private readonly reloadFrom?: Db,
  ) {
    feed.onNotice((n) => {
      if (!('package' in n)) return;
      let noticed: string | undefined;
      for (const [name, s] of this.entries)
        if (s.pkg.id === n.package) {
          // Never served again (peek wants a confirmation, fetch reloads it): only lent to the load.
          this.confirmed.delete(s);
          this.stale.add(s);
          noticed = name;
        }
      const mine = n.write === undefined ? undefined : this.expected.get(n.write);
      if (!mine) {
        if (noticed !== undefined && this.reloadFrom) this.reloadSoon(noticed);
        return;
      }
      this.expected.delete(n.write!);
      // This replica's own commit, heard in commit order: every earlier change to the package was
      // heard before it and every later one is heard after it, so the snapshot the write built is
      // the current one now, as a reload would find it, without the reload.
      this.keep(mine.snapshot.pkg.name, mine.snapshot);
      if (feed.live) this.confirmed.set(mine.snapshot, feed.epoch);
    });
  }

  /** The snapshot get would answer at once (a confirmed hit, counted), or undefined when get would ask the database. */
  peek(name: string): PackageSnapshot | undefined {
    const feed = this.feed;
    if (!feed.live) return undefined;
    const cached = this.entries.get(name);
    if (!cached || this.confirmed.get(cached) !== feed.epoch) return undefined;
    this.onLookup(true);
    // Most recently used: re-inserted (the same snapshot, so the bytes held stay as they are).
    if (this.newest !== name) {
      this.entries.delete(name);
      this.entries.set(name, cached);
      this.newest = name;
    }
    return cached;
  }

  /**
   * The cached snapshot of `name` without asking anyone (a write's starting point), when it is
   * confirmed in the feed's current epoch: not one a notice made stale, nor one kept from before a
   * flush. A grant changes a snapshot's maintainers without moving the package's revision, which is
   * all withPublished can compare, and one made while the feed was down was never heard.
   */
  lastKnown(name: string): PackageSnapshot | undefined {
    const s = this.entries.get(name);
    return s && this.confirmed.get(s) === this.feed.epoch ? s : undefined;
  }

  /**
   * A write on this replica built the snapshot its commit produces (withPublished): it replaces the
   * cached one when the commit's notice, carrying `write`, is heard (touchPackage), and never
   * before, so readers keep the previous snapshot until then and never reload from the database.
   * Called inside the transaction, before the commit: the notice may arrive before the commit's
   * answer. A write that does not commit calls forget.
   */
  expect(write: string, snapshot: PackageSnapshot) {
    const now = performance.now();
    // A notice lost with the listening connection never comes: its snapshot goes after a while.
    for (const [id, e] of this.expected) if (now - e.at > 60_000) this.expected.delete(id);
    this.expected.set(write, { snapshot, at: now });
  }

  forget(write: string) {
    this.expected.delete(write);
  }

  /** Whether a snapshot of `name` is held, fresh or stale, or being loaded: a read of it goes through get. */
  holds(name: string): boolean {
    return this.entries.has(name) || this.loading.has(name);
  }

  /** Snapshots held and their estimated bytes (tests, and the memory figures of bench/scale.mjs). */
  get stats() {
    return { entries: this.entries.size, bytes: this.held };
  }

  private drop(name: string, s: PackageSnapshot) {
    if (this.entries.get(name) !== s) return;
    this.entries.delete(name);
    if (this.newest === name) this.newest = undefined;
    this.held -= s.bytes;
  }

  /** Puts a snapshot where `old` is in the recency order (a reload nobody asked for yet), within the bounds. */
  private replace(name: string, old: PackageSnapshot, s: PackageSnapshot) {
    // Setting a key a Map holds keeps its place.
    this.entries.set(name, s);
    this.held += s.bytes - old.bytes;
    for (const [n, e] of this.entries) {
      if (this.held <= this.maxBytes) break;
      if (e === s) break;
      this.drop(n, e);
    }
  }

  /** Keeps a snapshot as the most recently used, evicting the least recently used past the bounds. */
  private keep(name: string, s: PackageSnapshot) {
    const old = this.entries.get(name);
    if (old) this.drop(name, old);
    this.entries.set(name, s);
    this.newest = name;
    this.held += s.bytes;
    // The newest stays even when it alone is past maxBytes: its readers hold it anyway.
    for (const [n, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.held <= this.maxBytes) break;
      if (e === s) break;
      this.drop(n, e);
    }
  }

  async get(db: Db, name: string): Promise<PackageSnapshot> {
    const feed = this.feed;
    if (!feed.live) return this.fetch(db, name);
    const cached = this.peek(name);
    if (cached) return cached;
    // Readers that miss together (after a write to a popular package) share one load, as long as
    // no notice arrived since it began: that is when a confirmed snapshot may be served too, so a
    // writer (whose response waited for its notice) never joins a load older than its write.
    const pending = this.loading.get(name);
    if (pending && pending.seq === feed.seq && pending.epoch === feed.epoch) {
      this.onLookup(true);
      return pending.snapshot;
    }
    return this.startLoad(db, name);
  }

  /**
   * Reloads a snapshot a notice made stale, in the background. A few at a time, so that a burst of
   * notices (an org renamed) does not take the pool's connections from reads; one a reader
   * reloaded meanwhile, or that went, is skipped. A notice that comes while the package is being
   * loaded waits for that load, and reloads from what it left: two loads at once would each find
   * the other's result in the way, and leave a snapshot nobody confirmed.
   */
  private reloadSoon(name: string) {
    this.toReload.add(name);
    this.pumpReloads();
  }

  private pumpReloads() {
    const db = this.reloadFrom!;
    while (this.reloads < RELOADS_AT_ONCE && this.toReload.size > 0) {
      const name = this.toReload.values().next().value!;
      this.toReload.delete(name);
      const s = this.entries.get(name);
      // Gone, or confirmed since (a reader's load, this replica's own write): nothing to do.
      if (!s || this.confirmed.get(s) === this.feed.epoch || !this.feed.live) continue;
      const pending = this.loading.get(name);
      if (pending) {
        // One begun since the last notice is this reload; an older one is waited for.
        if (pending.seq !== this.feed.seq || pending.epoch !== this.feed.epoch) this.reloadAfter(pending.snapshot, name);
        continue;
      }
      this.reloads++;
      const end = () => {
        this.reloads--;
        this.pumpReloads();
      };
      this.startLoad(db, name, true).then(end, end);
    }
  }

  private reloadAfter(load: Promise<unknown>, name: string) {
    if (this.deferred.has(name)) return;
    this.deferred.add(name);
    const again = () => {
      this.deferred.delete(name);
      this.reloadSoon(name);
    };
    load.then(again, again);
  }

  /**
   * A load readers of `name` may join until the next notice (get). `background`: a reload after a
   * notice, which keeps what it loaded only in the place of the stale snapshot it replaces.
   */
  private startLoad(db: Db, name: string, background = false): Promise<PackageSnapshot> {
    const feed = this.feed;
    const entry = { seq: feed.seq, epoch: feed.epoch, snapshot: this.fetch(db, name, background) };
    this.loading.set(name, entry);
    // Also what handles the rejection of a load nobody awaits (a reload after a notice).
    const done = () => {
      if (this.loading.get(name) === entry) this.loading.delete(name);
    };
    entry.snapshot.then(done, done);
    return entry.snapshot;
  }

  /** The snapshot as of the database now: one query when the cached one is current, else a load. */
  private async fetch(db: Db, name: string, background = false): Promise<PackageSnapshot> {
    // Only a valid name is ever kept: checked here, after a cache hit, before the database is asked.
    parseName(name);
    const feed = this.feed;
    const { seq, epoch } = feed;
    const live = feed.live;
    // Confirmed only when no notice arrived while the database was asked: it may be about this package.
    const confirm = (s: PackageSnapshot) => {
      if (live && feed.live && feed.seq === seq) this.confirmed.set(s, epoch);
    };
    const known = this.entries.get(name);
    if (!known || this.stale.has(known)) {
      // No revision to compare, or one known to be old: the load reads the package row itself,
      // one round trip fewer on every miss (at 100,000 packages most metadata reads of the scale
      // bench are misses). A stale snapshot lends the published columns of the versions it had.
      const snapshot = await load(db, name, known);
      if (!snapshot) {
        if (known) this.drop(name, known);
        throw notFound(`package ${name} was`);
      }
      // A miss whoever asked: a reload after a notice is the load a reader would have waited for.
      this.onLookup(false);
      // A snapshot installed while this load ran (this replica's own write, or a later load) is
      // as new or newer: the load never replaces it.
      const now = this.entries.get(name);
      if (now && now !== known && !this.stale.has(now) && now.pkg.id === snapshot.pkg.id && now.pkg.revision >= snapshot.pkg.revision) return now;
      if (this.install(name, known, snapshot, background)) confirm(snapshot);
      return snapshot;
    }
    const [head] = await db.select({ id: packages.id, revision: packages.revision }).from(packages).where(eq(packages.name, name));
    if (!head) {
      const gone = this.entries.get(name);
      if (gone) this.drop(name, gone);
      throw notFound(`package ${name} was`);
    }
    const cached = this.entries.get(name);
    // Not one a notice made stale while the revision was asked: a grant's notice leaves the revision as it was.
    const fresh = !!cached && !this.stale.has(cached) && cached.pkg.id === head.id && cached.pkg.revision === head.revision;
    this.onLookup(fresh);
    if (cached && fresh) {
      // Map order doubles as recency for eviction; a reload nobody asked for moves nothing.
      if (!background) this.keep(name, cached);
      confirm(cached);
      return cached;
    }
    const snapshot = await load(db, name, cached);
    if (!snapshot) throw notFound(`package ${name} was`);
    // A write's snapshot installed while this load ran is newer: the load never replaces it.
    const now = this.entries.get(name);
    if (now && now.pkg.id === snapshot.pkg.id && now.pkg.revision > snapshot.pkg.revision) return now;
    if (this.install(name, cached, snapshot, background)) confirm(snapshot);
    return snapshot;
  }

  /**
   * Keeps what a load read, in place of `previous`: a reader's as the most recently used; a reload
   * nobody asked for (`background`) where `previous` is in the recency order, and not at all when
   * `previous` went meanwhile. Whether it was kept.
   */
  private install(name: string, previous: PackageSnapshot | undefined, snapshot: PackageSnapshot, background: boolean): boolean {
    if (!background) this.keep(name, snapshot);
    else if (previous && this.entries.get(name) === previous) this.replace(name, previous, snapshot);
    else return false;
    return true;
  }
}

/** Background reloads at once (SnapshotCache.reloadSoon): a publish's notice needs one. */
const RELOADS_AT_ONCE = 2;

/** The columns a version's row keeps as published (registry/publish.ts writes them once). */
type Published = Pick<VersionRow, 'manifest' | 'readme' | 'report'>;
const BULKY = new Set<string>(['manifest', 'readme', 'report']);
/** A stored report's expression without its findings (ReportSummary), given the column's reference. */
const summarySql = (ref: string) => `(${ref} - 'findings')`;

const PKG_COLUMNS = columnList(packages, 'p', 'p.');
const decodePackage = rowDecoder(packages, 'p.');
// The bulky columns of a version the previous snapshot holds are not sent again (kn: those versions,
// joined: tested with `v.id = any(k.ids)` in each of the three columns, the test was quadratic, and
// at 200 versions the load that reused them took longer than one that read them all).
// A report comes without its findings (ReportSummary). The JSON columns come as text, which the
// decoder parses as the driver would have, so that their length is known (versionBytes) without
// writing them out again.
const VERSION_COLUMNS = columnList(versions, 'v', 'v.', (key, ref) => {
  const column = key === 'report' ? `${summarySql(ref)}::text` : key === 'manifest' ? `${ref}::text` : ref;
  return BULKY.has(key) ? `case when kn.id is not null then null else ${column} end` : column;
});
const textLength = (x: unknown) => (typeof x === 'string' ? x.length : 0);
const decodeVersion = rowDecoder(versions, 'v.');
/** A json column as this driver answers it: parsed (postgres-js), or text. */
const fromJson = <T>(x: unknown): T => (typeof x === 'string' ? JSON.parse(x) : x) as T;

interface LoadRow extends Record<string, unknown> {
  tags: unknown;
  granted: unknown;
  manifestName: string | null;
  publisherName: string | null;
}

/**
 * Loads a package's snapshot in one statement, so the package row, its versions, tags and grants
 * are as of one moment and cost one round trip. With the previous snapshot of the same package,
 * the bulky columns that never change after publish (manifest, README, report) are taken from it
 * for the versions it already had: after a publish only the new version's are read and parsed, not
 * every version's. The one later change to a manifest (an org rename rewrites its name) is told by
 * the name, and those versions are read again.
 */
async function load(db: Db, name: string, previous?: PackageSnapshot): Promise<PackageSnapshot | null> {
  const known = new Map<number, Published>();
  if (previous) for (const v of [...previous.versions.values(), ...previous.held.values()]) known.set(v.id, v);
  // One raw statement: the query builder's building and per-column row mapping (drizzle's is()
  // checks) cost a cold read more CPU than the database did (db/raw.ts).
  const rows = await rawRows<LoadRow>(
    db,
    sql`
      with p as (select packages.*, ${isPrivateSql} as private from packages where packages.name = ${name}),
        k as (select ${`{${[...known.keys()].join(',')}}`}::text::int[] as ids)
      select ${PKG_COLUMNS}, p.private as "p.private", t.tags, g.granted,
        ${VERSION_COLUMNS}, v.manifest->>'name' as "manifestName", publisher.name as "publisherName"
      from p cross join k
      cross join lateral (select coalesce(json_agg(json_build_array(d.tag, d.version)), '[]') as tags from dist_tags d where d.package_id = p.id) t
      cross join lateral (
        select coalesce(json_agg(u.name), '[]') as granted from grants gr join users u on u.id = gr.user_id
        where gr.package_id = p.id and gr.role in ('owner', 'maintainer')
      ) g
      left join versions v on v.package_id = p.id and v.removed_at is null
      left join unnest(k.ids) kn(id) on kn.id = v.id
      left join users publisher on publisher.id = v.published_by
      order by v.id`,
  );
  const first = rows[0];
  if (!first) return null;
  const pkg = { ...decodePackage(first), private: first['p.private'] === true };
  // A previous snapshot of another package of this name (deleted and created again) lends nothing.
  if (previous && previous.pkg.id !== pkg.id) known.clear();
  const all: VersionRow[] = [];
  const reread: number[] = [];
  for (const r of rows) {
    if (r['v.id'] === null || r['v.id'] === undefined) continue;
    const v = { ...decodeVersion(r), publisherName: r.publisherName };
    if (v.manifest !== null) publishedBytes.set(v.manifest, textLength(r['v.manifest']) + textLength(r['v.report']));
    else {
      const k = known.get(v.id);
      if (k && k.manifest.name === r.manifestName) Object.assign(v, { manifest: k.manifest, readme: k.readme, report: k.report });
      else reread.push(v.id);
    }
    all.push(v);
  }
  // Rare: a version whose manifest changed since the previous snapshot (an org rename).
  if (reread.length) {
    const fresh = new Map<number, Published>();
    for (const p of await db
      .select({
        id: versions.id,
        manifest: versions.manifest,
        readme: versions.readme,
        report: sql<ReportSummary | null>`${sql.raw(summarySql('versions."report"'))}`.mapWith(versions.report),
      })
      .from(versions)
      .where(inArray(versions.id, reread)))
      fresh.set(p.id, p);
    for (let i = all.length - 1; i >= 0; i--) {
      const v = all[i]!;
      if (v.manifest !== null) continue;
      const p = fresh.get(v.id);
      // Removed between the two reads: as if the first had not seen it (the next revision says so).
      if (p) Object.assign(v, p);
      else all.splice(i, 1);
    }
  }
  const granted = fromJson<string[]>(first.granted);
  const live = all.filter((v) => v.status === 'live');
  return {
    pkg,
    versions: new Map(live.map((v) => [v.version, v])),
    held: new Map(all.filter((v) => v.status !== 'live').map((v) => [v.version, v])),
    tags: sortedTags(fromJson<[string, string][]>(first.tags)),
    maintainers: [...new Set([...granted, ...live.map((v) => v.publisherName).filter((n): n is string => !!n)])].sort(),
    rendered: new Map(),
    bytes: snapshotBytes(all),
  };
}

/**
 * What a snapshot holds, estimated to match the live heap it really takes (measured with heap
 * snapshots at 100,000 packages of ten versions, bench/scale.mjs: about 32 kB per package of
 * 0.5 kB of manifest and report JSON per version, its package document and packument rendered).
 * Per version: the row's fixed part (its object, dates, hashes and keys, about 1 kB), its parsed
 * manifest and report (about 1.7 times their JSON), its share of the renderings (the package
 * document repeats the manifest with its generators: about 2.5 times), and its README. Per
 * snapshot: its maps, and each rendering's kept answers and encodings.
 * The process's RSS is larger by what the garbage collector keeps in hand beside live objects
 * (about as much again under load), which METADATA_CACHE_BYTES leaves to the operator's margin.
 */
const SNAPSHOT_FIXED_BYTES = 2048;
const VERSION_FIXED_BYTES = 1024;
const JSON_BYTES_FACTOR = 4;
const publishedBytes = new WeakMap<object, number>();

/**
 * A version's estimated share of its snapshot's memory, its published JSON measured once (not per
 * snapshot): as load received it (Postgres writes a space after each colon and comma, a few per
 * cent more), else as JSON.stringify writes it.
 */
function versionBytes(v: VersionRow): number {
  let json = publishedBytes.get(v.manifest);
  if (json === undefined) {
    json = JSON.stringify(v.manifest).length + (v.report ? JSON.stringify(v.report).length : 0);
    publishedBytes.set(v.manifest, json);
  }
  // A README is one string, held twice at most (the latest one's copy in the package document).
  return VERSION_FIXED_BYTES + JSON_BYTES_FACTOR * json + 2 * (v.readme?.length ?? 0);
}

const snapshotBytes = (versions: VersionRow[]) => versions.reduce((n, v) => n + versionBytes(v), SNAPSHOT_FIXED_BYTES);

/**
 * Tags in one order whatever order the rows come in, so a snapshot built by a write (withPublished)
 * renders the same bytes, and so the same ETag, as one loaded on any replica.
 */
const sortedTags = (pairs: [string, string][]): Record<string, string> => Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The snapshot a publish's commit produces, from the cached one it started from and what its
 * transaction wrote and read back: the package row after touchPackage, the new version's row as
 * stored (its JSON columns as Postgres returns them, so it renders as a reload would), and the tags
 * after it. Null unless `previous` is exactly the revision the transaction locked (`locked`) and the
 * transaction moved it by one: then nothing else changed in between, and the result is what load
 * would read. A new package has no previous snapshot: it is loaded as before.
 */
export function withPublished(
  previous: PackageSnapshot | undefined,
  locked: number,
  pkg: typeof packages.$inferSelect,
  stored: StoredVersionRow,
  tags: Record<string, string>,
): PackageSnapshot | null {
  if (!previous || previous.pkg.id !== pkg.id || previous.pkg.revision !== locked || pkg.revision !== locked + 1) return null;
  if (previous.versions.has(stored.version) || previous.held.has(stored.version)) return null;
  const version: VersionRow = { ...stored, report: summaryOf(stored.report) };
  const live = version.status === 'live';
  const versions = new Map(previous.versions);
  const held = new Map(previous.held);
  (live ? versions : held).set(version.version, version);
  const publisherName = live ? version.publisherName : null;
  return {
    // Visibility is the package's own or its org's default; a change to either touches the package.
    pkg: { ...pkg, private: previous.pkg.private },
    versions,
    held,
    tags: sortedTags(Object.entries(tags)),
    maintainers: publisherName && !previous.maintainers.includes(publisherName) ? [...previous.maintainers, publisherName].sort() : previous.maintainers,
    rendered: new Map(),
    bytes: previous.bytes + versionBytes(version),
  };
}

let writes = 0;
const writer = randomUUID();
/** An id for one write, unique across replicas, for its notice to carry (SnapshotCache.expect). */
export const newWriteId = () => `${writer}:${++writes}`;

/**
 * A rendering as it is kept: its bytes and their ETag only. Its text is not kept beside them (it
 * was, and held as much again as the bytes); a reader that wants it decodes the bytes.
 */
export interface Rendered {
  etag: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/** A JSON rendering of part of a snapshot, built once per revision and key. */
export function rendered(snapshot: PackageSnapshot, key: string, build: () => unknown, stringify: (value: unknown) => string = JSON.stringify): Rendered {
  let r = snapshot.rendered.get(key);
  if (!r) {
    // Encoded once, here: the ETag is the SHA-1 of these bytes (as it was of the text, which
    // hashes as UTF-8) and they are what is sent (cache/encoded.ts).
    const bytes = utf8(stringify(build()));
    r = { etag: `"${createHash('sha1').update(bytes).digest('base64url')}"`, bytes };
    snapshot.rendered.set(key, r);
  }
  return r;
}

/**
 * UTF-8 bytes of a string, in a buffer of their own. A document is nearly always ASCII, whose
 * UTF-8 bytes are its Latin-1 ones, copied rather than encoded (a fifth of the time on a 600 KB
 * document): a string whose UTF-8 length equals its length has no character above U+007F, as every
 * other takes two bytes or more. Not from Buffer's shared pool (as Buffer.from takes anything under
 * 4 KB): a kept document would keep its whole 8 KB slab alive, with whatever else was cut from it.
 */
function utf8(text: string): Uint8Array<ArrayBuffer> {
  const length = Buffer.byteLength(text, 'utf8');
  const b = Buffer.allocUnsafeSlow(length);
  b.write(text, length === text.length ? 'latin1' : 'utf8');
  return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);
}
