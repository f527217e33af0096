import { isPrivateSql } from '../access/rights.js';
import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import semver from 'semver';
import { generatorsOf, scopeOf, type CapabilityName, type Manifest, type ValidationReport } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { rawRows, sqlList } from '../db/raw.js';
import { downloads, versions } from '../db/schema.js';

/** Everything search needs about one package, derived from its latest version (or highest stable). */
export interface SearchDoc {
  id: number;
  name: string;
  scope: string | null;
  version: string;
  description: string;
  keywords: string[];
  generators: { name: string; description: string; templates: { name: string; description: string; variables: { name: string; description: string }[] }[] }[];
  readme: string;
  maintainers: string[];
  publisher: string | null;
  capabilities: CapabilityName[];
  quality: number;
  deprecated: boolean;
  /** Shown only to those who may read it (see access/rights.ts). */
  private: boolean;
  date: string;
}

// Enough README to find a package by what it says about itself, without holding whole manuals.
const README_CHARS = 4000;
const CHUNK = 2000;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The version a package is found by: `latest` when it is live, else the highest stable, else the highest. */
export function searchVersion(live: string[], latest: string | null): string | null {
  if (latest && live.includes(latest)) return latest;
  return semver.maxSatisfying(live, '*') ?? semver.maxSatisfying(live, '*', { includePrerelease: true });
}

/** A version's columns a search document is made from. */
type DocVersion = {
  id: number;
  version: string;
  manifest: Manifest;
  readme: string | null;
  report: ValidationReport | null;
  deprecated: string | null;
  publishedAt: Date;
  publisher: string | null;
};

const liveVersion = (v: typeof versions) => and(isNull(v.removedAt), eq(v.status, 'live'));

/**
 * The columns of DocVersion, as both queries of loadDocuments select them: `versions` joined with
 * `users` on the publisher, read back with docVersion.
 */
const DOC_VERSION_COLUMNS = sql`versions.id as version_id, versions.version, versions.manifest, left(versions.readme, ${README_CHARS}) as readme,
    versions.report, versions.deprecated, versions.published_at, users.name as publisher`;

/** DOC_VERSION_COLUMNS of a row, as Postgres names them. */
type DocVersionRow = {
  version_id: number | null;
  version: string | null;
  manifest: unknown;
  readme: string | null;
  report: unknown;
  deprecated: string | null;
  published_at: string | null;
  publisher: string | null;
};

/** The DocVersion of a row, or null when its left join found no version. */
const docVersion = (r: DocVersionRow): DocVersion | null =>
  r.version_id !== null && r.version !== null && r.manifest !== null && r.published_at !== null
    ? {
        id: r.version_id,
        version: r.version,
        manifest: versions.manifest.mapFromDriverValue(r.manifest) as Manifest,
        readme: r.readme,
        report: r.report === null ? null : (versions.report.mapFromDriverValue(r.report) as ValidationReport),
        deprecated: r.deprecated,
        publishedAt: versions.publishedAt.mapFromDriverValue(r.published_at) as Date,
        publisher: r.publisher,
      }
    : null;

/** A row of headsQuery, as Postgres names its columns. */
type HeadRow = DocVersionRow & {
  id: number;
  name: string;
  owner: string | null;
  latest: string | null;
  private: boolean;
  publishers: string[];
};

/**
 * loadDocuments' first query: each package with its owner, the publishers of its live versions,
 * and its `latest` version's row when that one is live. A template rather than the query builder
 * (db/raw.ts): every change to a package runs it. `packages` keeps its name: isPrivateSql names it.
 */
const headsQuery = (ids: number[] | null) => sql`select packages.id, packages.name,
    (select u.name from users u where u.id = packages.created_by) as owner,
    dist_tags.version as latest,
    ${isPrivateSql} as private,
    array(select distinct u.name from versions v join users u on u.id = v.published_by
      where v.package_id = packages.id and v.removed_at is null and v.status = 'live') as publishers,
    ${DOC_VERSION_COLUMNS}
  from packages
  left join dist_tags on dist_tags.package_id = packages.id and dist_tags.tag = 'latest'
  left join versions on versions.package_id = packages.id and versions.version = dist_tags.version and versions.removed_at is null and versions.status = 'live'
  left join users on users.id = versions.published_by
  ${ids ? sql`where packages.id in (${sqlList(ids)})` : sql``}`;

/**
 * Search documents for the given packages (all when omitted); a package with no live version has none.
 *
 * One query per chunk of packages in the common case: the package, its owner, the names of the
 * publishers of its live versions, and the row of its `latest` version when that one is live
 * (which searchVersion then picks). Only packages whose `latest` is missing or not live list their
 * live versions to pick from. It read every live version of each package (a publish of a package
 * with 200 versions read 200 rows in its transaction) in three round trips.
 */
export async function loadDocuments(db: Db, packageIds?: number[]): Promise<SearchDoc[]> {
  const heads: { id: number; name: string; owner: string | null; latest: string | null; private: boolean; publishers: string[]; row: DocVersion | null }[] = [];
  for (const ids of packageIds ? chunks(packageIds) : [null]) {
    const rows = await rawRows<HeadRow>(db, headsQuery(ids));
    for (const r of rows)
      heads.push({
        id: r.id,
        name: r.name,
        owner: r.owner,
        latest: r.latest,
        private: r.private,
        publishers: r.publishers,
        row: docVersion(r),
      });
  }
  if (heads.length === 0) return [];

  // The rest: a package without a live `latest` is found by its highest live version.
  const others = heads.filter((h) => h.row === null);
  const chosenIds = new Map<number, number>();
  for (const ids of chunks(others.map((h) => h.id))) {
    const live = await db
      .select({ id: versions.id, packageId: versions.packageId, version: versions.version })
      .from(versions)
      .where(and(inArray(versions.packageId, ids), liveVersion(versions)));
    const byPackage = new Map<number, typeof live>();
    for (const r of live) {
      const list = byPackage.get(r.packageId);
      if (list) list.push(r);
      else byPackage.set(r.packageId, [r]);
    }
    for (const head of others) {
      const rows = byPackage.get(head.id) ?? [];
      const version = searchVersion(
        rows.map((r) => r.version),
        head.latest,
      );
      const row = rows.find((r) => r.version === version);
      if (row) chosenIds.set(row.id, head.id);
    }
  }
  const picked = new Map<number, DocVersion>();
  for (const ids of chunks([...chosenIds.keys()])) {
    const rows = await rawRows<DocVersionRow>(
      db,
      sql`select ${DOC_VERSION_COLUMNS} from versions left join users on users.id = versions.published_by where versions.id in (${sqlList(ids)})`,
    );
    for (const r of rows) {
      const v = docVersion(r)!;
      picked.set(chosenIds.get(v.id)!, v);
    }
  }

  const docs: SearchDoc[] = [];
  for (const head of heads) {
    const v = head.row ?? picked.get(head.id);
    if (!v) continue;
    const maintainers = [...new Set([head.owner, ...head.publishers].filter((n): n is string => !!n))].sort();
    const m = v.manifest;
    docs.push({
      id: head.id,
      name: head.name,
      scope: scopeOf(head.name),
      version: v.version,
      description: m.description ?? '',
      keywords: m.keywords ?? [],
      generators: generatorsOf(m, v.report?.templates).map((g) => ({
        name: g.name,
        description: g.description,
        templates: g.templates.map((t) => ({
          name: t.name,
          description: t.description,
          variables: t.variables.map((x) => ({ name: x.name, description: x.description ?? '' })),
        })),
      })),
      readme: v.readme ?? '',
      maintainers,
      publisher: v.publisher,
      capabilities: v.report?.capabilities ?? [],
      quality: v.report?.quality ?? 0,
      deprecated: v.deprecated !== null,
      private: head.private,
      date: v.publishedAt.toISOString(),
    });
  }
  return docs;
}

/** Downloads per package over the last 30 days. */
export async function loadDownloads(db: Db): Promise<Map<number, number>> {
  const rows = await db
    .select({ packageId: downloads.packageId, total: sql<number>`sum(${downloads.count})::int` })
    .from(downloads)
    .where(gt(downloads.day, sql`current_date - 30`))
    .groupBy(downloads.packageId);
  return new Map(rows.map((r) => [r.packageId, Number(r.total)]));
}
