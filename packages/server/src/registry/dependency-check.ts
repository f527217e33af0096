import { and, eq, inArray, isNull } from 'drizzle-orm';
import { resolveSpec, sortVersions, type Manifest } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import { privateFilter, isPrivateSql } from '../access/rights.js';
import type { Db } from '../db/database.js';
import { distTags, packages, versions } from '../db/schema.js';

// A manifest with more dependencies than this is checked on its first ones only; the rest install-time.
const MAX_CHECKED = 100;

/**
 * Dependencies that `unjucks install` could not resolve on this registry: a name it does not hold
 * (or that the publisher may not see; a private package's existence is not told), or a range no
 * live version matches. Warnings: the dependency may simply be published next.
 */
export async function unresolvedDependencies(db: Db, publisher: Actor, manifest: Manifest): Promise<string[]> {
  const deps = manifest.dependencies;
  if (typeof deps !== 'object' || deps === null || Array.isArray(deps)) return [];
  const wanted = Object.entries(deps as Record<string, unknown>)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .slice(0, MAX_CHECKED);
  if (!wanted.length) return [];
  const rows = await db
    .select({ id: packages.id, name: packages.name, private: isPrivateSql })
    .from(packages)
    .where(
      inArray(
        packages.name,
        wanted.map(([n]) => n),
      ),
    );
  const canSee = rows.some((r) => r.private) ? await privateFilter(db, publisher) : undefined;
  const visible = rows.filter((r) => !r.private || canSee?.(r));
  const ids = visible.map((r) => r.id);
  const live = ids.length
    ? await db
        .select({ packageId: versions.packageId, version: versions.version })
        .from(versions)
        .where(and(inArray(versions.packageId, ids), isNull(versions.removedAt), eq(versions.status, 'live')))
    : [];
  const tags = ids.length ? await db.select().from(distTags).where(inArray(distTags.packageId, ids)) : [];

  const out: string[] = [];
  for (const [name, range] of wanted) {
    const pkg = visible.find((r) => r.name === name);
    if (!pkg) {
      out.push(`the dependency ${name} is not on this registry; unjucks install of this package fails until it is published here`);
      continue;
    }
    const vs = sortVersions(live.filter((v) => v.packageId === pkg.id).map((v) => v.version));
    const t = Object.fromEntries(tags.filter((x) => x.packageId === pkg.id).map((x) => [x.tag, x.version]));
    if (resolveSpec(range, vs, t) === null)
      out.push(
        `no version of the dependency ${name} matches ${JSON.stringify(range)} (versions: ${vs.join(', ') || 'none'}); unjucks install of this package fails until one does`,
      );
  }
  return out;
}
