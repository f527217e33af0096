import { and, eq, sql } from 'drizzle-orm';
import { InputError, tagProblem } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import { distTags, versions } from '../db/schema.js';
import type { RegistryContext } from './context.js';
import { findLiveVersion, findPackage, lockPackage, notFound, tagsOf, touchPackage } from './lookup.js';
import { authorize } from '../access/rights.js';
import { readable } from './read.js';
import { emitEvent } from '../hooks/emit.js';

export async function getDistTags(ctx: RegistryContext, actor: Actor | null, name: string) {
  return (await readable(ctx, actor, name)).tags;
}

/** Points `tag` at an existing live version. */
export async function setDistTag(ctx: RegistryContext, actor: Actor | null, name: string, tag: string, version: unknown) {
  const problem = tagProblem(tag);
  if (problem) throw new InputError(`invalid tag: ${problem}`);
  if (typeof version !== 'string') throw new InputError('send the version to tag as a JSON string, or as { "version": "1.2.3" }');
  const pkg = await findPackage(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'tags', name, pkg);
  const tags = await ctx.db.transaction(async (tx) => {
    // Checked under the package's lock: an unpublish racing this cannot remove the version before
    // the tag commits (a tag on a removed version, which every bare install then fails on).
    await lockPackage(tx, pkg.id);
    await findLiveVersion(tx, pkg.id, name, version);
    await emitEvent(tx, { type: 'dist-tag.changed', actor: a.userName, package: name, version, data: { tag, version } });
    await tx
      .insert(distTags)
      .values({ packageId: pkg.id, tag, version })
      .onConflictDoUpdate({ target: [distTags.packageId, distTags.tag], set: { version, updatedAt: sql`now()` } });
    await touchPackage(tx, pkg.id, true);
    return tagsOf(tx, pkg.id);
  });
  await ctx.afterChange(pkg.id);
  return tags;
}

export async function removeDistTag(ctx: RegistryContext, actor: Actor | null, name: string, tag: string) {
  if (tag === 'latest') throw new InputError('the latest tag cannot be removed; point it at another version instead');
  const pkg = await findPackage(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'tags', name, pkg);
  const tags = await ctx.db.transaction(async (tx) => {
    await lockPackage(tx, pkg.id);
    const removed = await tx
      .delete(distTags)
      .where(and(eq(distTags.packageId, pkg.id), eq(distTags.tag, tag)))
      .returning({ tag: distTags.tag, version: distTags.version });
    if (removed.length === 0) throw notFound(`tag ${tag} of ${name} was`);
    await emitEvent(tx, {
      type: 'dist-tag.changed',
      actor: a.userName,
      package: name,
      version: removed[0]!.version,
      data: { tag, version: null, previous: removed[0]!.version },
    });
    await touchPackage(tx, pkg.id, true);
    return tagsOf(tx, pkg.id);
  });
  await ctx.afterChange(pkg.id);
  return tags;
}

/** Marks a version deprecated with a message; an empty message lifts the deprecation. */
export async function deprecateVersion(ctx: RegistryContext, actor: Actor | null, name: string, version: string, message: unknown) {
  if (typeof message !== 'string') throw new InputError('send { "message": "why, and what to use instead" }; an empty message lifts the deprecation');
  if (message.length > 1024) throw new InputError('a deprecation message may have at most 1024 characters');
  const pkg = await findPackage(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'deprecate', name, pkg);
  const deprecated = message === '' ? null : message;
  await ctx.db.transaction(async (tx) => {
    await lockPackage(tx, pkg.id);
    const row = await findLiveVersion(tx, pkg.id, name, version);
    await tx.update(versions).set({ deprecated }).where(eq(versions.id, row.id));
    await emitEvent(
      tx,
      deprecated
        ? { type: 'version.deprecated', actor: a.userName, package: name, version, data: { message: deprecated } }
        : { type: 'version.undeprecated', actor: a.userName, package: name, version, data: {} },
    );
    await touchPackage(tx, pkg.id, true);
  });
  await ctx.afterChange(pkg.id);
  return { name, version, deprecated };
}
