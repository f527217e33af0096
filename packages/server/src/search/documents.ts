import { isPrivateSql } from '../access/rights.js';
import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import semver from 'semver';
import { generatorsOf, scopeOf, type CapabilityName } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { distTags, downloads, packages, users, versions } from '../db/schema.js';

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

/** Search documents for the given packages (all when omitted); a package with no live version has none. */
export async function loadDocuments(db: Db, packageIds?: number[]): Promise<SearchDoc[]> {
  const owner = sql<string | null>`(select ${users.name} from ${users} where ${users.id} = ${packages.createdBy})`;
  const heads: { id: number; name: string; owner: string | null; latest: string | null; private: boolean }[] = [];
  for (const ids of packageIds ? chunks(packageIds) : [null]) {
    heads.push(
      ...(await db
        .select({ id: packages.id, name: packages.name, owner, latest: distTags.version, private: isPrivateSql })
        .from(packages)
        .leftJoin(distTags, and(eq(distTags.packageId, packages.id), eq(distTags.tag, 'latest')))
        .where(ids ? inArray(packages.id, ids) : undefined)),
    );
  }
  if (heads.length === 0) return [];

  const liveRows: { id: number; packageId: number; version: string; publisher: string | null }[] = [];
  for (const ids of chunks(heads.map((h) => h.id))) {
    liveRows.push(
      ...(await db
        .select({ id: versions.id, packageId: versions.packageId, version: versions.version, publisher: users.name })
        .from(versions)
        .leftJoin(users, eq(users.id, versions.publishedBy))
        .where(and(inArray(versions.packageId, ids), isNull(versions.removedAt), eq(versions.status, 'live')))),
    );
  }
  const byPackage = new Map<number, typeof liveRows>();
  for (const r of liveRows) byPackage.set(r.packageId, [...(byPackage.get(r.packageId) ?? []), r]);

  const chosen = new Map<number, { head: (typeof heads)[number]; maintainers: string[] }>();
  for (const head of heads) {
    const rows = byPackage.get(head.id) ?? [];
    const version = searchVersion(
      rows.map((r) => r.version),
      head.latest,
    );
    const row = rows.find((r) => r.version === version);
    if (!row) continue;
    const maintainers = [...new Set([head.owner, ...rows.map((r) => r.publisher)].filter((n): n is string => !!n))].sort();
    chosen.set(row.id, { head, maintainers });
  }

  const docs: SearchDoc[] = [];
  for (const ids of chunks([...chosen.keys()])) {
    const rows = await db
      .select({
        id: versions.id,
        version: versions.version,
        manifest: versions.manifest,
        readme: sql<string | null>`left(${versions.readme}, ${README_CHARS})`,
        report: versions.report,
        deprecated: versions.deprecated,
        publishedAt: versions.publishedAt,
        publisher: users.name,
      })
      .from(versions)
      .leftJoin(users, eq(users.id, versions.publishedBy))
      .where(inArray(versions.id, ids));
    for (const v of rows) {
      const { head, maintainers } = chosen.get(v.id)!;
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
