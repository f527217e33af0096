import { and, eq } from 'drizzle-orm';
import { assertAccessRole, assertVisibility, InputError, scopeOf, type AccessRole } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import type { Db, Tx } from '../db/database.js';
import { grants, orgs, packages, teams, users } from '../db/schema.js';
import type { RegistryContext } from '../registry/context.js';
import { findPackage, touchPackage } from '../registry/lookup.js';
import { readable } from '../registry/read.js';
import { assertOrgOwner, findOrg, setOrgVisibility } from './orgs.js';
import { authorize, isPrivateSql, requireActor, roleInScope } from './rights.js';
import { findTeam } from './teams.js';
import { emitEvent } from '../hooks/emit.js';
import { findUser } from './users.js';

type Grantee = { userId: number; teamId: null; label: string } | { userId: null; teamId: number; label: string };

/** `alice` is a user; `acme:devs` is team devs of org acme. */
async function grantee(db: Db, principal: string, defaultOrg?: string): Promise<Grantee & { org?: string }> {
  const colon = principal.indexOf(':');
  if (colon === -1 && !defaultOrg) {
    const u = await findUser(db, principal);
    return { userId: u.id, teamId: null, label: u.name };
  }
  const orgName = colon === -1 ? defaultOrg! : principal.slice(0, colon);
  const teamName = colon === -1 ? principal : principal.slice(colon + 1);
  const org = await findOrg(db, orgName);
  const team = await findTeam(db, org.id, orgName, teamName);
  return { userId: null, teamId: team.id, label: `${orgName}:${teamName}`, org: orgName };
}

const granteeWhere = (g: Grantee) => (g.userId !== null ? eq(grants.userId, g.userId) : eq(grants.teamId, g.teamId!));

async function grantRows(db: Db, where: ReturnType<typeof eq>) {
  const rows = await db
    .select({ role: grants.role, user: users.name, team: teams.name, teamOrg: orgs.name })
    .from(grants)
    .leftJoin(users, eq(users.id, grants.userId))
    .leftJoin(teams, eq(teams.id, grants.teamId))
    .leftJoin(orgs, eq(orgs.id, teams.orgId))
    .where(where);
  return rows.map((r) => ({ principal: r.user ?? `${r.teamOrg}:${r.team}`, kind: r.user ? 'user' : 'team', role: r.role }));
}

async function packageHead(db: Db, name: string) {
  await findPackage(db, name);
  const [row] = await db.select({ id: packages.id, visibility: packages.visibility, private: isPrivateSql }).from(packages).where(eq(packages.name, name));
  return row!;
}

/**
 * Who holds which role on a package, and its visibility; readable by whoever may read the package,
 * by the rule every read route follows (registry/read.ts `readable`).
 */
export async function packageAccess(ctx: RegistryContext, actor: Actor | null, name: string) {
  const { pkg } = await readable(ctx, actor, name);
  const db = ctx.db;
  const scope = scopeOf(name);
  return {
    name,
    visibility: pkg.private ? 'private' : 'public',
    visibilitySetOn: pkg.visibility ? 'package' : scope ? 'org' : 'default',
    org: scope,
    grants: await grantRows(db, eq(grants.packageId, pkg.id)),
  };
}

/** Whether `g` is the only owner of the package: the one grant whose loss would lock it. */
async function isLastOwner(db: Db, packageId: number, g: Grantee): Promise<boolean> {
  const owners = await db
    .select()
    .from(grants)
    .where(and(eq(grants.packageId, packageId), eq(grants.role, 'owner')));
  const isG = (r: (typeof owners)[number]) => (g.userId !== null ? r.userId === g.userId : r.teamId === g.teamId);
  return owners.some(isG) && owners.every(isG);
}

export async function grantPackage(ctx: RegistryContext, actor: Actor | null, name: string, principal: string, body: { role?: unknown }) {
  const role = assertAccessRole(body?.role);
  const pkg = await packageHead(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'owners', name, pkg);
  const g = await grantee(ctx.db, principal);
  const scope = scopeOf(name);
  if (g.teamId !== null && scope && g.org !== scope)
    throw new InputError(`${name} belongs to org ${scope}; only its own teams (${scope}:<team>) can be granted a role on it`);
  await lockOwners(ctx.db, pkg.id, async (tx) => {
    if (role !== 'owner' && !scope && (await isLastOwner(tx, pkg.id, g)))
      throw new InputError(`${g.label} is the last owner of ${name}; make someone else an owner first`, 'conflict');
    await tx.delete(grants).where(and(eq(grants.packageId, pkg.id), granteeWhere(g)));
    await tx.insert(grants).values({ packageId: pkg.id, userId: g.userId, teamId: g.teamId, role });
    await emitEvent(tx, { type: 'package.access-changed', actor: a.userName, package: name, data: { principal: g.label, role } });
    // The package documents list the users with a direct grant as maintainers; a team's grant shows nowhere.
    await touchPackage(tx, pkg.id, g.userId !== null);
  });
  await ctx.afterChange(pkg.id);
  return { name, principal: g.label, role };
}

export async function revokePackage(ctx: RegistryContext, actor: Actor | null, name: string, principal: string) {
  const pkg = await packageHead(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'owners', name, pkg);
  const g = await grantee(ctx.db, principal);
  await lockOwners(ctx.db, pkg.id, async (tx) => {
    if (!scopeOf(name) && (await isLastOwner(tx, pkg.id, g)))
      throw new InputError(`${g.label} is the last owner of ${name}; make someone else an owner first`, 'conflict');
    const gone = await tx
      .delete(grants)
      .where(and(eq(grants.packageId, pkg.id), granteeWhere(g)))
      .returning();
    if (gone.length === 0) throw new InputError(`${g.label} holds no role on ${name}`, 'not_found');
    await emitEvent(tx, { type: 'package.access-changed', actor: a.userName, package: name, data: { principal: g.label, role: null } });
    await touchPackage(tx, pkg.id, g.userId !== null);
  });
  await ctx.afterChange(pkg.id);
  return { name, principal: g.label, removed: true };
}

/** Serializes owner changes of one package (row lock on the package) so two removals cannot both pass the check. */
async function lockOwners(db: Db, packageId: number, work: (tx: Tx) => Promise<void>) {
  await db.transaction(async (tx) => {
    await tx.select({ id: packages.id }).from(packages).where(eq(packages.id, packageId)).for('update');
    await work(tx);
  });
}

export async function setPackageVisibility(ctx: RegistryContext, actor: Actor | null, name: string, body: { visibility?: unknown }) {
  const visibility = assertVisibility(body?.visibility);
  const pkg = await packageHead(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'owners', name, pkg);
  await ctx.db.transaction(async (tx) => {
    await tx.update(packages).set({ visibility }).where(eq(packages.id, pkg.id));
    await emitEvent(tx, { type: 'package.visibility-changed', actor: a.userName, package: name, data: { visibility } });
    await touchPackage(tx, pkg.id, true);
  });
  await ctx.afterChange(pkg.id);
  return { name, visibility };
}

/** Team grants on the whole scope, and the org's default visibility; readable by its members. */
export async function scopeAccess(db: Db, actor: Actor | null, orgName: string) {
  const a = requireActor(actor, `reading the access of @${orgName}`);
  const org = await findOrg(db, orgName);
  if (!a.isAdmin && !(await roleInScope(db, a.userId, orgName)).role) throw new InputError(`user ${a.userName} is not a member of org ${orgName}`, 'forbidden');
  return { org: orgName, defaultVisibility: org.defaultVisibility, grants: await grantRows(db, eq(grants.orgId, org.id)) };
}

export async function grantScope(db: Db, actor: Actor | null, orgName: string, principal: string, body: { role?: unknown }) {
  const role: AccessRole = assertAccessRole(body?.role);
  const { actor: a, org } = await assertOrgOwner(db, actor, orgName);
  if (
    !principal.includes(':') &&
    (
      await db
        .select()
        .from(teams)
        .where(and(eq(teams.orgId, org.id), eq(teams.name, principal)))
    ).length === 0
  )
    throw new InputError(
      `roles on all of @${orgName} go to teams (${orgName}:<team>); for a user, use "unjucks org member add ${orgName} ${principal} --role ${role}"`,
    );
  const g = await grantee(db, principal, orgName);
  if (g.org !== orgName) throw new InputError(`only teams of org ${orgName} can hold a role on @${orgName}`);
  await db.transaction(async (tx) => {
    await tx.delete(grants).where(and(eq(grants.orgId, org.id), granteeWhere(g)));
    await tx.insert(grants).values({ orgId: org.id, userId: null, teamId: g.teamId, role });
    await emitEvent(tx, { type: 'package.access-changed', actor: a.userName, org: orgName, data: { scope: `@${orgName}`, principal: g.label, role } });
  });
  return { scope: `@${orgName}`, principal: g.label, role };
}

export async function revokeScope(db: Db, actor: Actor | null, orgName: string, principal: string) {
  const { actor: a, org } = await assertOrgOwner(db, actor, orgName);
  const g = await grantee(db, principal, orgName);
  await db.transaction(async (tx) => {
    const gone = await tx
      .delete(grants)
      .where(and(eq(grants.orgId, org.id), granteeWhere(g)))
      .returning();
    if (gone.length === 0) throw new InputError(`${g.label} holds no role on @${orgName}`, 'not_found');
    await emitEvent(tx, { type: 'package.access-changed', actor: a.userName, org: orgName, data: { scope: `@${orgName}`, principal: g.label, role: null } });
  });
  return { scope: `@${orgName}`, principal: g.label, removed: true };
}

export async function setScopeVisibility(ctx: RegistryContext, actor: Actor | null, orgName: string, body: { visibility?: unknown }) {
  const visibility = assertVisibility(body?.visibility);
  const { actor: a } = await assertOrgOwner(ctx.db, actor, orgName);
  const ids = await setOrgVisibility(ctx.db, orgName, visibility, a.userName);
  for (const id of ids) await ctx.afterChange(id);
  return { scope: `@${orgName}`, defaultVisibility: visibility, packages: ids.length };
}
