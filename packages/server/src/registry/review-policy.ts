import { eq } from 'drizzle-orm';
import { effectiveApprovals, InputError, MAX_REQUIRED_APPROVALS, scopeOf } from '@unjucks/core';
import type { ReviewPolicyResponse } from '@unjucks/core/api-schemas';
import { assertOrgOwner, findOrg } from '../access/orgs.js';
import { authorize } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import { orgs, packages } from '../db/schema.js';
import type { RegistryContext } from './context.js';
import { findPackage, touchPackage } from './lookup.js';
import { readable } from './read.js';

function checked(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_REQUIRED_APPROVALS)
    throw new InputError(`requiredApprovals must be a whole number from 0 (reviews off) to ${MAX_REQUIRED_APPROVALS}`);
  return n;
}

async function orgSetting(ctx: RegistryContext, name: string): Promise<number | null> {
  const scope = scopeOf(name);
  if (!scope) return null;
  const [org] = await ctx.db.select({ n: orgs.requiredApprovals }).from(orgs).where(eq(orgs.name, scope));
  return org?.n ?? null;
}

/** A package's setting, its org's, and what new versions need; for anyone who may read the package. */
export async function packagePolicy(ctx: RegistryContext, actor: Actor | null, name: string): Promise<ReviewPolicyResponse> {
  const s = await readable(ctx, actor, name);
  const org = await orgSetting(ctx, name);
  return { requiredApprovals: s.pkg.requiredApprovals, org, effective: effectiveApprovals(org, s.pkg.requiredApprovals) };
}

/**
 * Sets how many approvals the package's new versions need (its owners). Versions already staged
 * follow the new number from their next decision on; live ones are never touched.
 */
export async function setPackagePolicy(ctx: RegistryContext, actor: Actor | null, name: string, requiredApprovals: number): Promise<ReviewPolicyResponse> {
  const n = checked(requiredApprovals);
  const pkg = await findPackage(ctx.db, name);
  await authorize(ctx.db, actor, 'owners', name, pkg);
  await ctx.db.transaction(async (tx) => {
    await tx.update(packages).set({ requiredApprovals: n }).where(eq(packages.id, pkg.id));
    await touchPackage(tx, pkg.id, false);
  });
  await ctx.afterChange(pkg.id);
  const org = await orgSetting(ctx, name);
  return { requiredApprovals: n, org, effective: effectiveApprovals(org, n) };
}

/** An org's setting, a floor for every package in its scope; for its owners. */
export async function orgPolicy(ctx: RegistryContext, actor: Actor | null, orgName: string): Promise<ReviewPolicyResponse> {
  const { org } = await assertOrgOwner(ctx.db, actor, orgName);
  return { requiredApprovals: org.requiredApprovals, effective: org.requiredApprovals };
}

export async function setOrgPolicy(ctx: RegistryContext, actor: Actor | null, orgName: string, requiredApprovals: number): Promise<ReviewPolicyResponse> {
  const n = checked(requiredApprovals);
  await assertOrgOwner(ctx.db, actor, orgName);
  await ctx.db
    .update(orgs)
    .set({ requiredApprovals: n })
    .where(eq(orgs.id, (await findOrg(ctx.db, orgName)).id));
  return { requiredApprovals: n, effective: n };
}
