import { createHash } from 'node:crypto';
import { and, eq, getTableColumns, inArray, isNull } from 'drizzle-orm';
import { isPrivateSql } from '../access/rights.js';
import { alias } from 'drizzle-orm/pg-core';
import { parseName } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { distTags, grants, packages, users, versions } from '../db/schema.js';
import { notFound } from './lookup.js';
import { ChangeFeed } from '../cache/feed.js';

export type VersionRow = typeof versions.$inferSelect & { publisherName: string | null };

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
  rendered: Map<string, { text: string; etag: string }>;
}

const publisher = alias(users, 'publisher');

/**
 * Caches package snapshots by revision. While this replica's change feed is live, a snapshot
 * confirmed since the last flush is served with no query at all: every write bumps the revision and
 * notifies in its transaction, and the notice drops the snapshot here (cache/feed.ts). Otherwise a
 * read costs one indexed lookup of (id, revision), and the rest comes from memory while it matches.
 */
export class SnapshotCache {
  private readonly entries = new Map<string, PackageSnapshot>();
  /** The feed epoch in which each snapshot was last confirmed against the database. */
  private readonly confirmed = new WeakMap<PackageSnapshot, number>();

  constructor(
    private readonly maxEntries = 2000,
    private readonly onLookup: (hit: boolean) => void = () => undefined,
    private readonly feed: ChangeFeed = ChangeFeed.off(),
  ) {
    feed.onNotice((n) => {
      if (!('package' in n)) return;
      for (const [name, s] of this.entries) if (s.pkg.id === n.package) this.entries.delete(name);
    });
  }

  async get(db: Db, name: string): Promise<PackageSnapshot> {
    const feed = this.feed;
    if (feed.live) {
      // Only a valid name was ever kept (checked below before the database is asked).
      const cached = this.entries.get(name);
      if (cached && this.confirmed.get(cached) === feed.epoch) {
        this.onLookup(true);
        this.entries.delete(name);
        this.entries.set(name, cached);
        return cached;
      }
    }
    parseName(name);
    const { seq, epoch } = feed;
    const live = feed.live;
    // Confirmed only when no notice arrived while the database was asked: it may be about this package.
    const confirm = (s: PackageSnapshot) => {
      if (live && feed.live && feed.seq === seq) this.confirmed.set(s, epoch);
    };
    const [head] = await db.select({ id: packages.id, revision: packages.revision }).from(packages).where(eq(packages.name, name));
    if (!head) {
      this.entries.delete(name);
      throw notFound(`package ${name} was`);
    }
    const cached = this.entries.get(name);
    const fresh = !!cached && cached.pkg.id === head.id && cached.pkg.revision === head.revision;
    this.onLookup(fresh);
    if (cached && fresh) {
      // Map order doubles as recency for eviction.
      this.entries.delete(name);
      this.entries.set(name, cached);
      confirm(cached);
      return cached;
    }
    const snapshot = await load(db, name);
    if (!snapshot) throw notFound(`package ${name} was`);
    this.entries.delete(name);
    this.entries.set(name, snapshot);
    confirm(snapshot);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return snapshot;
  }
}

async function load(db: Db, name: string): Promise<PackageSnapshot | null> {
  // The package row (and so its revision) is read first: what follows is at least that new.
  const [pkg] = await db
    .select({ ...getTableColumns(packages), private: isPrivateSql })
    .from(packages)
    .where(eq(packages.name, name));
  if (!pkg) return null;
  const [rows, tagRows, granted] = await Promise.all([
    db
      .select({ v: versions, publisherName: publisher.name })
      .from(versions)
      .leftJoin(publisher, eq(publisher.id, versions.publishedBy))
      .where(and(eq(versions.packageId, pkg.id), isNull(versions.removedAt))),
    db.select().from(distTags).where(eq(distTags.packageId, pkg.id)),
    db
      .select({ name: users.name })
      .from(grants)
      .innerJoin(users, eq(users.id, grants.userId))
      .where(and(eq(grants.packageId, pkg.id), inArray(grants.role, ['owner', 'maintainer']))),
  ]);
  const live = rows.filter((r) => r.v.status === 'live');
  return {
    pkg,
    versions: new Map(live.map((r) => [r.v.version, { ...r.v, publisherName: r.publisherName }])),
    held: new Map(rows.filter((r) => r.v.status !== 'live').map((r) => [r.v.version, { ...r.v, publisherName: r.publisherName }])),
    tags: Object.fromEntries(tagRows.map((r) => [r.tag, r.version])),
    maintainers: [...new Set([...granted.map((g) => g.name), ...live.map((r) => r.publisherName).filter((n): n is string => !!n)])].sort(),
    rendered: new Map(),
  };
}

/** A JSON rendering of part of a snapshot, built once per revision and key. */
export function rendered(snapshot: PackageSnapshot, key: string, build: () => unknown): { text: string; etag: string } {
  let r = snapshot.rendered.get(key);
  if (!r) {
    const text = JSON.stringify(build());
    r = { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` };
    snapshot.rendered.set(key, r);
  }
  return r;
}
