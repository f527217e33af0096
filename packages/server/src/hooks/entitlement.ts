import { eq } from 'drizzle-orm';
import { InputError, matchesPattern, patternCovers, scopeOf, type HookTarget } from '@unjucks/core';
import { assertTokenAllows, roleInScope, roleOn } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { packages, users } from '../db/schema.js';

/**
 * Whether a user may watch a target now: a registry admin anything; an org's owners the org and
 * patterns inside its scope; a package's owners the package. A pattern over unscoped names could
 * cover anyone's packages, so only admins watch those. Checked when a hook is created, when it is
 * managed, and again for every event fanned out, so a hook stops when its creator loses the right.
 */
export async function userMayWatch(db: Db, userId: number, target: HookTarget): Promise<boolean> {
  const [user] = await db.select({ isAdmin: users.isAdmin }).from(users).where(eq(users.id, userId));
  if (!user) return false;
  if (user.isAdmin) return true;
  if (target.kind === 'package') {
    const [pkg] = await db.select({ id: packages.id }).from(packages).where(eq(packages.name, target.name));
    return !!pkg && (await roleOn(db, userId, target.name, pkg.id)) === 'owner';
  }
  const scope = target.kind === 'org' ? target.name : scopeOf(target.name);
  return !!scope && (await roleInScope(db, userId, scope)).role === 'owner';
}

/** The token half: it holds "owners" and its package patterns cover what is watched. */
export function assertTokenMayWatch(a: Actor, target: HookTarget) {
  assertTokenAllows(a, 'owners', target.kind === 'package' ? target.name : null);
  const covered = target.kind === 'org' ? `@${target.name}/*` : target.name;
  if (target.kind !== 'package' && a.packages && !a.packages.some((p) => patternCovers(p, covered)))
    throw new InputError(`this token (${a.jti}) is limited to ${a.packages.join(', ')}, which does not cover ${covered}`, 'forbidden');
}

/** Whether an event concerns a target: its org, its package, or a package its pattern matches. */
export function targetCovers(target: HookTarget, event: { package: string | null; org: string | null }): boolean {
  if (target.kind === 'org') return event.org === target.name;
  if (!event.package) return false;
  return target.kind === 'package' ? event.package === target.name : matchesPattern(target.name, event.package);
}
