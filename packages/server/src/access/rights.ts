import { and, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import { InputError, matchesPattern, ROLE_ACTIONS, scopeOf, strongerRole, TOKEN_ACTIONS, type AccessRole, type TokenAction } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import { unionAll } from 'drizzle-orm/pg-core';
import type { Db, DbOrTx } from '../db/database.js';
import { grants, orgMembers, orgs, packages, teamMembers } from '../db/schema.js';
import { cachesOf } from '../cache/replica-caches.js';

/** Whether a package is private: its own setting, else its org's default, else public. */
// Spelled out in SQL: drizzle leaves columns unqualified in one-table selects, which the subquery would capture.
export const isPrivateSql = sql<boolean>`(coalesce("packages"."visibility", (select o.default_visibility from orgs o where "packages"."name" like '@%' and o.name = split_part(substr("packages"."name", 2), '/', 1)), 'public') = 'private')`;

const forbidden = (message: string) => new InputError(message, 'forbidden');

const best = (roles: { role: AccessRole }[]) => roles.reduce<AccessRole | null>((r, x) => strongerRole(r, x.role), null);

/** The user's role in an org through membership or a team's grant on the whole scope; null when none. */
export function roleInScope(db: Db, userId: number, scope: string): Promise<{ org: { id: number } | null; role: AccessRole | null }> {
  const caches = cachesOf(db);
  return caches ? caches.scopes.fetch(`${userId}:${scope}`, () => loadRoleInScope(db, userId, scope)) : loadRoleInScope(db, userId, scope);
}

async function loadRoleInScope(db: Db, userId: number, scope: string): Promise<{ org: { id: number } | null; role: AccessRole | null }> {
  const [org] = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.name, scope));
  if (!org) return { org: null, role: null };
  const [member, viaTeams] = await Promise.all([
    db
      .select({ role: orgMembers.role })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, userId))),
    db
      .select({ role: grants.role })
      .from(grants)
      .innerJoin(teamMembers, and(eq(teamMembers.teamId, grants.teamId), eq(teamMembers.userId, userId)))
      .where(eq(grants.orgId, org.id)),
  ]);
  return { org, role: best([...member, ...viaTeams]) };
}

/**
 * The strongest role the user holds on a package now: org membership, team grants on the scope,
 * user and team grants on the package. One round trip, and none while this replica's cache holds it
 * (cache/replica-caches.ts): it runs on every authenticated request.
 */
export function roleOn(db: Db, userId: number, name: string, packageId: number): Promise<AccessRole | null> {
  const caches = cachesOf(db);
  // Keyed by name too: an org rename moves a package to another scope under the same id.
  return caches ? caches.roles.fetch(`${userId}:${name}:${packageId}`, () => loadRoleOn(db, userId, name, packageId)) : loadRoleOn(db, userId, name, packageId);
}

async function loadRoleOn(db: Db, userId: number, name: string, packageId: number): Promise<AccessRole | null> {
  const scope = scopeOf(name);
  const direct = db
    .select({ role: grants.role })
    .from(grants)
    .leftJoin(teamMembers, and(eq(teamMembers.teamId, grants.teamId), eq(teamMembers.userId, userId)))
    .where(and(eq(grants.packageId, packageId), or(eq(grants.userId, userId), isNotNull(teamMembers.userId))));
  if (!scope) return best(await direct);
  const rows = await unionAll(
    direct,
    db
      .select({ role: orgMembers.role })
      .from(orgMembers)
      .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
      .where(and(eq(orgs.name, scope), eq(orgMembers.userId, userId))),
    db
      .select({ role: grants.role })
      .from(grants)
      .innerJoin(teamMembers, and(eq(teamMembers.teamId, grants.teamId), eq(teamMembers.userId, userId)))
      .innerJoin(orgs, eq(orgs.id, grants.orgId))
      .where(eq(orgs.name, scope)),
  );
  return best(rows);
}

/** Ids of every package the user holds any role on (for filtering private search results). */
export async function readablePackageIds(db: Db, userId: number): Promise<Set<number>> {
  const teamIds = db.select({ id: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.userId, userId));
  const [memberOf, scopeGrants, granted] = await Promise.all([
    db.select({ id: orgMembers.orgId }).from(orgMembers).where(eq(orgMembers.userId, userId)),
    db
      .select({ id: grants.orgId })
      .from(grants)
      .where(and(isNotNull(grants.orgId), inArray(grants.teamId, teamIds))),
    db
      .select({ id: grants.packageId })
      .from(grants)
      .where(and(isNotNull(grants.packageId), or(eq(grants.userId, userId), inArray(grants.teamId, teamIds)))),
  ]);
  const orgIds = [...new Set([...memberOf, ...scopeGrants].map((r) => r.id!))];
  const inOrgs = orgIds.length
    ? await db
        .select({ id: packages.id })
        .from(packages)
        .innerJoin(orgs, sql`${packages.name} like '@%' and ${orgs.name} = split_part(substr(${packages.name}, 2), '/', 1)`)
        .where(inArray(orgs.id, orgIds))
    : [];
  return new Set([...granted.map((r) => r.id!), ...inOrgs.map((r) => r.id)]);
}

/** A registry admin using a token that holds "admin": the one who may act for or over anyone. */
export const actsAsAdmin = (a: Actor) => a.isAdmin && a.actions.includes('admin');

/** The token half of the effective right: the action and the package patterns. */
export function assertTokenAllows(actor: Actor, action: TokenAction, name: string | null) {
  if (!actor.actions.includes(action))
    throw forbidden(
      `this token (${actor.jti}) does not allow the action "${action}"${name ? ` on ${name}` : ''}; its actions are ${actor.actions.join(', ')}. Create a token with --actions ${action}`,
    );
  if (name && actor.packages && !actor.packages.some((p) => matchesPattern(p, name)))
    throw forbidden(`this token (${actor.jti}) is limited to the packages ${actor.packages.join(', ')}, so it cannot "${action}" ${name}`);
}

/** What a password gives its user: every action (admin for admins only), on every package. */
export const accountActions = (isAdmin: boolean): TokenAction[] => TOKEN_ACTIONS.filter((x) => x !== 'admin' || isAdmin);

/**
 * Operations on the account itself (its password, its memberships) act with everything a password
 * gives, so they need a token that already holds all of it: a narrower token must not become the
 * whole account. Checked before any password is looked at, so a narrow token is no password oracle.
 */
export function assertAccountRights(actor: Actor, what: string) {
  const missing = accountActions(actor.isAdmin).filter((x) => !actor.actions.includes(x));
  if (missing.length === 0 && !actor.packages) return;
  const lacks = [
    missing.length ? `the action${missing.length > 1 ? 's' : ''} ${missing.map((x) => `"${x}"`).join(', ')}` : null,
    actor.packages ? `freedom from its package limits (${actor.packages.join(', ')})` : null,
  ].filter(Boolean);
  throw forbidden(
    `${what} acts on the whole account, so it needs a token holding everything the account may do; this token (${actor.jti}) lacks ${lacks.join(' and ')}. Sign in with "unjucks login" (or npm login) for such a token`,
  );
}

export function requireActor(actor: Actor | null, what: string): Actor {
  if (!actor) throw new InputError(`${what} needs a token; send "Authorization: Bearer <token>"`, 'unauthorized');
  return actor;
}

/**
 * The effective right: what the token allows, intersected with what the user may do now. For a
 * package that does not exist yet, pass null: creating an unscoped package is open to any user;
 * a scoped one needs maintainer or owner in its org. Returns whether the scope still has no org.
 */
export async function authorize(
  db: DbOrTx,
  actor: Actor | null,
  action: TokenAction,
  name: string,
  pkg: { id: number } | null,
): Promise<{ actor: Actor; orgMissing: boolean }> {
  const a = requireActor(actor, `"${action}" on ${name}`);
  assertTokenAllows(a, action, name);
  if (a.isAdmin) return { actor: a, orgMissing: pkg === null && !!scopeOf(name) && !(await roleInScope(db, a.userId, scopeOf(name)!)).org };
  if (action === 'admin') throw forbidden(`user ${a.userName} is not a registry admin`);
  if (!pkg) {
    const scope = scopeOf(name);
    if (!scope) return { actor: a, orgMissing: false };
    const { org, role } = await roleInScope(db, a.userId, scope);
    if (!org) return { actor: a, orgMissing: true };
    if (role && ROLE_ACTIONS[role].includes('publish:new')) return { actor: a, orgMissing: false };
    throw forbidden(
      `user ${a.userName} may not create ${name}: creating packages in @${scope} needs the role maintainer or owner in org ${scope} (${role ? `their role is ${role}` : 'they are not a member'}); ask an owner of ${scope}`,
    );
  }
  const role = await roleOn(db, a.userId, name, pkg.id);
  if (role && ROLE_ACTIONS[role].includes(action)) return { actor: a, orgMissing: false };
  // Someone with no role on a private package must not learn it exists: it answers as a missing one.
  if (!role && (await isPrivatePackage(db, pkg.id))) throw new InputError(`package ${name} was not found`, 'not_found');
  throw forbidden(
    `user ${a.userName} may not "${action}" ${name}: ${role ? `their role on it is ${role}` : 'they have no role on it'}; ask an owner of ${name}`,
  );
}

async function isPrivatePackage(db: Db, packageId: number): Promise<boolean> {
  const [row] = await db.select({ private: isPrivateSql }).from(packages).where(eq(packages.id, packageId));
  return !!row?.private;
}

/**
 * Read access: public packages are open to all; a private one needs the read right. To anyone
 * without it, a private package answers exactly as a missing one does (404, same text), so its
 * existence does not leak; npm's own registry does the same.
 */
export async function authorizeRead(db: Db, actor: Actor | null, name: string, pkg: { id: number; private: boolean }) {
  if (!pkg.private) return;
  const hidden = () => new InputError(`package ${name} was not found`, 'not_found');
  if (!actor) throw hidden();
  try {
    await authorize(db, actor, 'read', name, pkg);
  } catch (e) {
    if (e instanceof InputError && (e.status === 401 || e.status === 403)) throw hidden();
    throw e;
  }
}

/**
 * Which private packages a search may show the actor: none for anonymous requests or tokens
 * without "read", all for admins, else those the user holds a role on, within the token's patterns.
 */
export async function privateFilter(db: Db, actor: Actor | null): Promise<((doc: { id: number; name: string }) => boolean) | undefined> {
  if (!actor?.actions.includes('read')) return undefined;
  const inPatterns = (name: string) => !actor.packages || actor.packages.some((p) => matchesPattern(p, name));
  if (actor.isAdmin) return (doc) => inPatterns(doc.name);
  const ids = await readablePackageIds(db, actor.userId);
  return (doc) => ids.has(doc.id) && inPatterns(doc.name);
}
