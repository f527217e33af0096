import { and, eq, sql } from 'drizzle-orm';
import { InputError, movesLatest, readTarball, tagProblem, type PublishResult } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import { pgErrorCode, UNIQUE_VIOLATION, type Db } from '../db/database.js';
import { distTags, packages, versions } from '../db/schema.js';
import { blobKeyFor } from '../storage/blob-store.js';
import type { RegistryContext } from './context.js';
import { tagsOf, touchPackage } from './lookup.js';
import { assertCanWrite } from './permissions.js';

export interface PublishOutcome {
  /** 201 for a new version, 200 for an identical retry of a live one. */
  status: 200 | 201;
  result: PublishResult;
}

class VersionTaken extends Error {}

/**
 * Publishes a tarball. The bytes are read and checked as they stream in; the blob is stored under
 * its content hash; then one transaction inserts the version, guarded by the unique constraint on
 * (package, version). A rejected or losing publish leaves no version row behind.
 */
export async function publish(
  ctx: RegistryContext,
  actor: Actor | null,
  body: AsyncIterable<Uint8Array>,
  opts: { tag?: string } = {},
): Promise<PublishOutcome> {
  if (!actor) throw new InputError('publishing needs a token; send "Authorization: Bearer <token>"', 401, 'unauthorized');
  if (opts.tag !== undefined) {
    const problem = tagProblem(opts.tag);
    if (problem) throw new InputError(`invalid tag: ${problem}`);
  }
  // A role that can never publish is refused before the upload is read.
  if (actor.role === 'reader') assertCanWrite(actor, null, 'publish', 'packages');
  const pkg = await readTarball(body, ctx.limits);
  const { name, version } = pkg.manifest;

  // Checked before any blob is written, so a refused publish stores nothing.
  const [existing] = await ctx.db.select().from(packages).where(eq(packages.name, name));
  assertCanWrite(actor, existing ?? null, 'publish to', name);
  if (existing) {
    const retry = await identicalRetry(ctx.db, existing.id, pkg);
    if (retry) return retry;
  }

  const blobKey = blobKeyFor(pkg.sha512hex);
  await ctx.store.put(blobKey, pkg.tarball);

  let tags: Record<string, string>;
  try {
    tags = await ctx.db.transaction(async (tx) => {
      await tx.insert(packages).values({ name, createdBy: actor.userId }).onConflictDoNothing();
      // Row lock: publishes of one package serialize here, so `latest` moves in version order.
      const [row] = await tx.select().from(packages).where(eq(packages.name, name)).for('update');
      assertCanWrite(actor, row!, 'publish to', name);
      const inserted = await tx
        .insert(versions)
        .values({
          packageId: row!.id,
          version,
          manifest: pkg.manifest,
          readme: pkg.readme,
          integrity: pkg.integrity,
          shasum: pkg.shasum,
          size: pkg.size,
          fileCount: pkg.fileCount,
          unpackedSize: pkg.unpackedSize,
          blobKey,
          publishedBy: actor.userId,
        })
        .onConflictDoNothing({ target: [versions.packageId, versions.version] })
        .returning({ id: versions.id });
      if (inserted.length === 0) throw new VersionTaken();
      const current = await tagsOf(tx as unknown as Db, row!.id);
      const setTag = opts.tag ?? (movesLatest(version, current.latest ?? null) ? 'latest' : null);
      if (setTag) {
        await tx
          .insert(distTags)
          .values({ packageId: row!.id, tag: setTag, version })
          .onConflictDoUpdate({ target: [distTags.packageId, distTags.tag], set: { version, updatedAt: sql`now()` } });
        current[setTag] = version;
      }
      await touchPackage(tx as unknown as Db, row!.id);
      return current;
    });
  } catch (e) {
    if (!(e instanceof VersionTaken) && pgErrorCode(e) !== UNIQUE_VIOLATION) throw e;
    // Lost a race: someone else published this version between our check and our insert.
    const [row] = await ctx.db.select().from(packages).where(eq(packages.name, name));
    const retry = row && (await identicalRetry(ctx.db, row.id, pkg));
    if (retry) return retry;
    throw e;
  }
  return { status: 201, result: { ...summary(pkg), created: true, 'dist-tags': tags } };
}

type Checked = Awaited<ReturnType<typeof readTarball>>;

const summary = (pkg: Checked) => ({
  name: pkg.manifest.name,
  version: pkg.manifest.version,
  integrity: pkg.integrity,
  shasum: pkg.shasum,
  size: pkg.size,
  fileCount: pkg.fileCount,
});

/**
 * When name@version already exists: the identical bytes of a live version are a retry, answered
 * 200 with nothing changed; other bytes, or a number that was removed, are a 409. Null when the
 * version does not exist yet.
 */
async function identicalRetry(db: Db, packageId: number, pkg: Checked): Promise<PublishOutcome | null> {
  const { name, version } = pkg.manifest;
  const [row] = await db
    .select({ integrity: versions.integrity, removedAt: versions.removedAt })
    .from(versions)
    .where(and(eq(versions.packageId, packageId), eq(versions.version, version)));
  if (!row) return null;
  if (row.removedAt)
    throw new InputError(`${name}@${version} was removed and its version number can never be reused; publish a new version`, 409, 'version-exists');
  if (row.integrity !== pkg.integrity)
    throw new InputError(`${name}@${version} already exists with other contents; published versions are immutable, so bump the version`, 409, 'version-exists');
  return { status: 200, result: { ...summary(pkg), created: false, 'dist-tags': await tagsOf(db, packageId) } };
}
