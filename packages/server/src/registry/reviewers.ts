import { sql } from 'drizzle-orm';
import { effectiveApprovals, matchesPattern, scopeOf } from '@unjucks/core';
import { roleOn } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import type { Db, DbOrTx } from '../db/database.js';
import { rawRows } from '../db/raw.js';
import type { RegistryContext } from './context.js';
import type { PackageSnapshot, VersionRow } from './snapshot.js';

/**
 * Approvals the package's new versions need now: its own setting or its org's, the higher.
 * Takes the row so a publish can ask inside its transaction, after locking it.
 */
export async function requiredApprovals(db: DbOrTx, pkg: { name: string; requiredApprovals: number }): Promise<number> {
  return effectiveApprovals(await orgApprovals(db, pkg.name), pkg.requiredApprovals);
}

/**
 * The setting of the org that owns `name`'s scope; null for an unscoped name or a scope with no
 * org (no query then). Needs only the name, so a publish sends it with its row lock; with the
 * package's own setting, effectiveApprovals gives what requiredApprovals does.
 */
export async function orgApprovals(db: DbOrTx, name: string): Promise<number | null> {
  const scope = scopeOf(name);
  if (!scope) return null;
  const [org] = await rawRows<{ n: number }>(db, sql`select required_approvals as n from orgs where name = ${scope}`);
  return org ? org.n : null;
}

/**
 * Whether the actor sees a package's staged and rejected versions: a maintainer or owner of the
 * package (or a registry admin), through a token that may read it. Readers and outsiders see
 * only live versions, exactly as if the others did not exist.
 */
export async function mayReview(db: Db, actor: Actor | null, name: string, pkg: { id: number }): Promise<boolean> {
  if (!actor || !actor.actions.includes('read')) return false;
  if (actor.packages && !actor.packages.some((p) => matchesPattern(p, name))) return false;
  if (actor.isAdmin) return true;
  const role = await roleOn(db, actor.userId, name, pkg.id);
  return role === 'owner' || role === 'maintainer';
}

/** A staged or rejected version the actor may review; null when there is none or they may not see it. */
export async function heldVersion(ctx: RegistryContext, actor: Actor | null, s: PackageSnapshot, version: string): Promise<VersionRow | null> {
  const row = s.held.get(version);
  if (!row || !(await mayReview(ctx.db, actor, s.pkg.name, s.pkg))) return null;
  return row;
}
