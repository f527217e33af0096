import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { approvalsMet, InputError, movesLatest, sortVersions, type ReviewDecision } from '@unjucks/core';
import type { ReviewListResponse, ReviewStateResponse } from '@unjucks/core/api-schemas';
import { authorize } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { distTags, packages, versionApprovals, versions } from '../db/schema.js';
import type { RegistryContext } from './context.js';
import { findPackage, notFound, tagsOf, touchPackage } from './lookup.js';
import { readable } from './read.js';
import { mayReview, requiredApprovals } from './reviewers.js';
import { onReleaseTransition } from './release-events.js';
import type { VersionRow } from './snapshot.js';

async function approvalsOf(db: Db, versionIds: number[]) {
  if (versionIds.length === 0) return [];
  return db.select().from(versionApprovals).where(inArray(versionApprovals.versionId, versionIds)).orderBy(asc(versionApprovals.at), asc(versionApprovals.id));
}

function stateOf(
  name: string,
  row: VersionRow,
  approvals: (typeof versionApprovals.$inferSelect)[],
  required: number,
  tags: Record<string, string>,
): ReviewStateResponse {
  return {
    name,
    version: row.version,
    status: row.status,
    publishedBy: row.publisherName,
    publishedAt: row.publishedAt.toISOString(),
    requiredApprovals: required,
    approvals: approvals
      .filter((a) => a.versionId === row.id)
      .map((a) => ({ approver: a.approverName, decision: a.decision, reason: a.reason, at: a.at.toISOString() })),
    capabilities: row.report?.capabilities ?? [],
    quality: row.report?.quality ?? null,
    errors: row.report?.errors ?? 0,
    warnings: row.report?.warnings ?? 0,
    'dist-tags': tags,
  };
}

/**
 * The staged and rejected versions of a package with their approvals, for its maintainers. To
 * anyone else the list is empty (a private package's outsiders get its 404 first).
 */
export async function listReviews(ctx: RegistryContext, actor: Actor | null, name: string): Promise<ReviewListResponse> {
  const s = await readable(ctx, actor, name);
  const required = await requiredApprovals(ctx.db, s.pkg);
  if (!(await mayReview(ctx.db, actor, name, s.pkg))) return { name, requiredApprovals: required, versions: [] };
  const rows = sortVersions([...s.held.keys()]).map((v) => s.held.get(v)!);
  const approvals = await approvalsOf(
    ctx.db,
    rows.map((r) => r.id),
  );
  return { name, requiredApprovals: required, versions: rows.map((r) => stateOf(name, r, approvals, required, s.tags)) };
}

/**
 * Approves or rejects a staged version. Maintainers and owners decide (the right to publish a
 * version is the right to let one out); the publisher may withdraw their own release by rejecting
 * it, but never approve it. When approvals by maintainers other than the publisher reach the
 * package's requirement, the version goes live and `latest` moves by the usual rule; a rejection
 * keeps it out for good. Decisions on one package serialize on its row lock, so two concurrent
 * approvals cannot both miss (or both cross) the threshold.
 */
export async function decide(
  ctx: RegistryContext,
  actor: Actor | null,
  name: string,
  version: string,
  decision: ReviewDecision,
  reason: string | null,
): Promise<ReviewStateResponse> {
  const pkg = await findPackage(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'publish:update', name, pkg);
  // A trusted publisher's token is a CI job acting as the owner who trusted it: whoever can run
  // that job (anyone who pushes to the repository) would otherwise be the second pair of eyes.
  if (a.trustedPublisherId)
    throw new InputError(
      `this token (${a.jti}) was minted for a CI job (trusted publisher ${a.trustedPublisherId}) and may publish, not ${decision} releases; a maintainer decides with their own token (unjucks ${decision} ${name}@${version})`,
      'forbidden',
    );
  const state = await ctx.db.transaction(async (tx) => {
    const [locked] = await tx.select().from(packages).where(eq(packages.id, pkg.id)).for('update');
    const [row] = await tx
      .select()
      .from(versions)
      .where(and(eq(versions.packageId, pkg.id), eq(versions.version, version), isNull(versions.removedAt)));
    if (!row) throw notFound(`version ${version} of ${name} was`);
    if (row.status === 'live')
      throw new InputError(
        `${name}@${version} is already live; only staged versions are ${decision === 'approve' ? 'approved' : 'rejected'} (deprecate or unpublish a live one instead)`,
        'conflict',
      );
    if (row.status === 'rejected') throw new InputError(`${name}@${version} was rejected and stays out for good; publish a new version`, 'conflict');
    if (decision === 'approve' && row.publishedBy === a.userId)
      throw new InputError(
        `${a.userName} published ${name}@${version} and cannot approve their own release; another maintainer must approve it (unjucks approve ${name}@${version})`,
        'forbidden',
      );
    const inserted = await tx
      .insert(versionApprovals)
      .values({ versionId: row.id, approverId: a.userId, approverName: a.userName, decision, reason })
      .onConflictDoNothing()
      .returning({ id: versionApprovals.id });
    if (inserted.length === 0) throw new InputError(`${a.userName} has already decided on ${name}@${version}; a decision is made once`, 'conflict');
    const required = await requiredApprovals(tx, locked!);
    const [tally] = await tx
      .select({ n: count() })
      .from(versionApprovals)
      .where(and(eq(versionApprovals.versionId, row.id), eq(versionApprovals.decision, 'approve')));
    const n = tally?.n ?? 0;
    const base = { packageId: pkg.id, name, version, actor: a.userName };
    await onReleaseTransition(tx, { ...base, kind: 'reviewed', decision, reason, approvals: n, requiredApprovals: required });
    const live = decision === 'approve' && approvalsMet(n, required);
    if (decision === 'reject') {
      await tx.update(versions).set({ status: 'rejected' }).where(eq(versions.id, row.id));
      await onReleaseTransition(tx, { ...base, kind: 'rejected', reason: reason ?? '' });
    } else if (live) {
      await tx.update(versions).set({ status: 'live' }).where(eq(versions.id, row.id));
      const current = await tagsOf(tx, pkg.id);
      if (movesLatest(version, current.latest ?? null))
        await tx
          .insert(distTags)
          .values({ packageId: pkg.id, tag: 'latest', version })
          .onConflictDoUpdate({ target: [distTags.packageId, distTags.tag], set: { version, updatedAt: sql`now()` } });
      await onReleaseTransition(tx, { ...base, kind: 'live', distTags: await tagsOf(tx, pkg.id) });
    }
    // Until it is live, the release shows only to the package's maintainers.
    await touchPackage(tx, pkg.id, live);
    const [fresh] = await tx.select().from(versions).where(eq(versions.id, row.id));
    return stateOf(name, { ...fresh!, publisherName: null }, await approvalsOf(tx, [row.id]), required, await tagsOf(tx, pkg.id));
  });
  await ctx.afterChange(pkg.id);
  const s = await ctx.cache.get(ctx.db, name);
  return { ...state, publishedBy: (s.versions.get(version) ?? s.held.get(version))?.publisherName ?? null };
}
