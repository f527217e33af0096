import { and, eq, inArray, isNull } from 'drizzle-orm';
import { InputError, movesLatest, sortVersions } from '@unjucks/core';
import { authorize } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import { distTags, versions } from '../db/schema.js';
import type { RegistryContext } from './context.js';
import { findPackage, lockPackage, notFound, tagsOf, touchPackage } from './lookup.js';
import { emitEvent } from '../hooks/emit.js';

/**
 * Removes live versions (all of them when `version` is null). A removed version keeps its row, so
 * its number can never be published again, and its blob stays. Owners may unpublish only versions
 * younger than the policy window; admins any. Tags that pointed at a removed version go, and
 * `latest` moves to the highest remaining stable version.
 */
export async function unpublish(ctx: RegistryContext, actor: Actor | null, name: string, version: string | null) {
  const pkg = await findPackage(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'unpublish', name, pkg);
  const result = await ctx.db.transaction(async (tx) => {
    await lockPackage(tx, pkg.id);
    const live = await tx
      .select({ id: versions.id, version: versions.version, publishedAt: versions.publishedAt })
      .from(versions)
      // Live versions only: a staged one is rejected, not unpublished, and never holds a tag.
      .where(and(eq(versions.packageId, pkg.id), isNull(versions.removedAt), eq(versions.status, 'live')));
    const targets = version === null ? live : live.filter((v) => v.version === version);
    if (targets.length === 0) throw notFound(version === null ? `a live version of ${name} was` : `version ${version} of ${name} was`);
    if (!a.isAdmin) {
      const windowMs = ctx.unpublishWindowSeconds * 1000;
      const old = targets.filter((v) => Date.now() - v.publishedAt.getTime() > windowMs);
      if (old.length)
        throw new InputError(
          `${old.map((v) => `${name}@${v.version}`).join(', ')} ${old.length === 1 ? 'was' : 'were'} published more than ${Math.round(ctx.unpublishWindowSeconds / 3600)} hours ago; past that window only a registry admin may unpublish (deprecate it instead)`,
          'forbidden',
        );
    }
    const removed = targets.map((v) => v.version);
    await tx
      .update(versions)
      .set({ removedAt: new Date() })
      .where(
        inArray(
          versions.id,
          targets.map((v) => v.id),
        ),
      );
    const tags = await tagsOf(tx, pkg.id);
    const stale = Object.keys(tags).filter((t) => removed.includes(tags[t]!));
    if (stale.length) await tx.delete(distTags).where(and(eq(distTags.packageId, pkg.id), inArray(distTags.tag, stale)));
    const remaining = sortVersions(live.map((v) => v.version).filter((v) => !removed.includes(v)));
    if (stale.includes('latest') && remaining.length) {
      // The highest stable version, else the highest prerelease.
      const next = remaining.reduce<string | null>((cur, v) => (movesLatest(v, cur) ? v : cur), null) ?? remaining[remaining.length - 1]!;
      await tx.insert(distTags).values({ packageId: pkg.id, tag: 'latest', version: next });
    }
    await touchPackage(tx, pkg.id, true);
    const tagsAfter = await tagsOf(tx, pkg.id);
    for (const v of removed)
      await emitEvent(tx, { type: 'version.unpublished', actor: a.userName, package: name, version: v, data: { 'dist-tags': tagsAfter } });
    return { name, removed, remaining, 'dist-tags': tagsAfter };
  });
  await ctx.afterChange(pkg.id);
  return result;
}
