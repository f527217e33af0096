import { and, count, eq, ne, sql } from 'drizzle-orm';
import { assertAccessRole, InputError, orgNameProblem, patternCovers, type AccessRole } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import type { Db, DbOrTx, Tx } from '../db/database.js';
import { orgInvitations, orgMembers, orgs, packages, users } from '../db/schema.js';
import { CHANGES_CHANNEL } from '../registry/lookup.js';
import { writeSearchDocuments } from '../search/store.js';
import { emitEvent } from '../hooks/emit.js';
import { actsAsAdmin, assertTokenAllows, requireActor, roleInScope } from './rights.js';
import { findUser } from './users.js';

export type OrgRow = typeof orgs.$inferSelect;

export async function findOrg(db: Db, name: string): Promise<OrgRow> {
  const problem = orgNameProblem(name);
  if (problem) throw new InputError(problem);
  const [org] = await db.select().from(orgs).where(eq(orgs.name, name));
  if (!org) throw new InputError(`org ${name} not found; create it with "unjucks org create ${name}"`, 'not_found');
  return org;
}

/** The token may act on the org: "owners" held, and its package patterns (if any) cover the scope. */
function assertTokenCoversOrg(a: Actor, org: string) {
  assertTokenAllows(a, 'owners', null);
  if (a.packages && !a.packages.some((p) => patternCovers(p, `@${org}/*`)))
    throw new InputError(`this token (${a.jti}) is limited to ${a.packages.join(', ')}, which does not cover @${org}/*`, 'forbidden');
}

/** Managing an org (members, teams, grants, visibility) needs its owner role, or a registry admin. */
export async function assertOrgOwner(db: Db, actor: Actor | null, name: string): Promise<{ actor: Actor; org: OrgRow }> {
  const a = requireActor(actor, `managing org ${name}`);
  const org = await findOrg(db, name);
  assertTokenCoversOrg(a, name);
  if (a.isAdmin) return { actor: a, org };
  const { role } = await roleInScope(db, a.userId, name);
  if (role !== 'owner')
    throw new InputError(
      `user ${a.userName} may not "owners" on org ${name}: ${role ? `their role is ${role}` : 'they are not a member'}; ask an owner of ${name}`,
      'forbidden',
    );
  return { actor: a, org };
}

/** Reading an org's members and teams is open to its members. */
async function assertOrgMember(db: Db, actor: Actor | null, name: string): Promise<OrgRow> {
  const a = requireActor(actor, `reading org ${name}`);
  const org = await findOrg(db, name);
  if (a.isAdmin) return org;
  const { role } = await roleInScope(db, a.userId, name);
  if (!role) throw new InputError(`user ${a.userName} is not a member of org ${name}`, 'forbidden');
  return org;
}

/** Any user may create an org for an unclaimed scope, and becomes its owner. */
export async function createOrg(db: Db, actor: Actor | null, body: { name?: unknown; defaultVisibility?: unknown }) {
  const a = requireActor(actor, 'creating an org');
  const problem = orgNameProblem(body.name);
  if (problem) throw new InputError(problem);
  const name = body.name as string;
  assertTokenCoversOrg(a, name);
  return db.transaction(async (tx) => {
    const [org] = await tx.insert(orgs).values({ name }).onConflictDoNothing().returning();
    if (!org) throw new InputError(`org ${name} already exists`, 'conflict');
    await tx.insert(orgMembers).values({ orgId: org.id, userId: a.userId, role: 'owner' });
    return { name, defaultVisibility: org.defaultVisibility, role: 'owner' as AccessRole };
  });
}

/** Claims the scope of a first scoped publish for the publisher, inside the publish transaction. */
export async function claimScope(db: DbOrTx, scope: string, userId: number) {
  // A scope no org could be named (`@~`, `@-`) would become an org nobody can manage.
  const problem = orgNameProblem(scope, 'scope');
  if (problem) throw new InputError(problem);
  const [org] = await db.insert(orgs).values({ name: scope }).onConflictDoNothing().returning();
  if (org) await db.insert(orgMembers).values({ orgId: org.id, userId, role: 'owner' });
}

export async function listOrgs(db: Db, actor: Actor | null) {
  const a = requireActor(actor, 'listing orgs');
  const rows = await db
    .select({ name: orgs.name, defaultVisibility: orgs.defaultVisibility, role: orgMembers.role })
    .from(orgs)
    .leftJoin(orgMembers, and(eq(orgMembers.orgId, orgs.id), eq(orgMembers.userId, a.userId)))
    .where(a.isAdmin ? undefined : sql`${orgMembers.userId} is not null`)
    .orderBy(orgs.name);
  return { orgs: rows };
}

/** Members and roles; owners (and admins) also see the invitations not yet answered. */
export async function listMembers(db: Db, actor: Actor | null, name: string) {
  const org = await assertOrgMember(db, actor, name);
  const rows = await db
    .select({ user: users.name, role: orgMembers.role, since: orgMembers.createdAt })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(eq(orgMembers.orgId, org.id))
    .orderBy(users.name);
  const members = rows.map((r) => ({ ...r, since: r.since.toISOString() }));
  const a = actor!;
  const owner = a.isAdmin || members.some((m) => m.user === a.userName && m.role === 'owner');
  if (!owner) return { org: name, members };
  return { org: name, members, pending: (await pendingInvitations(db, org.id)).map(({ user, role, invitedBy, since }) => ({ user, role, invitedBy, since })) };
}

export async function pendingInvitations(db: Db, orgId: number) {
  const inviter = db.select({ id: users.id, name: users.name }).from(users).as('inviter');
  const rows = await db
    .select({ user: users.name, role: orgInvitations.role, invitedBy: inviter.name, since: orgInvitations.createdAt })
    .from(orgInvitations)
    .innerJoin(users, eq(users.id, orgInvitations.userId))
    .leftJoin(inviter, eq(inviter.id, orgInvitations.invitedBy))
    .where(eq(orgInvitations.orgId, orgId))
    .orderBy(users.name);
  return rows.map((r) => ({ ...r, since: r.since.toISOString() }));
}

async function otherOwners(db: Tx, orgId: number, userId: number): Promise<number> {
  const [{ n }] = (await db
    .select({ n: count() })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, 'owner'), ne(orgMembers.userId, userId)))) as [{ n: number }];
  return Number(n);
}

const lastOwner = (user: string, org: string) => new InputError(`user ${user} is the last owner of org ${org}; make another member an owner first`, 'conflict');

/**
 * Changes a member's role. Someone not yet a member is invited instead (they join when they
 * accept): membership is by consent, since owners manage what their members' org tokens can do.
 * Registry admins add members directly.
 */
export async function setMember(
  db: Db,
  actor: Actor | null,
  orgName: string,
  userName: string,
  body: { role?: unknown },
): Promise<{ org: string; user: string; role: AccessRole; invited?: true }> {
  const { actor: a, org } = await assertOrgOwner(db, actor, orgName);
  const role = assertAccessRole(body?.role);
  const user = await findUser(db, userName);
  if (!actsAsAdmin(a)) {
    const [member] = await db
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
    if (!member) {
      await db
        .insert(orgInvitations)
        .values({ orgId: org.id, userId: user.id, role, invitedBy: a.userId })
        .onConflictDoUpdate({ target: [orgInvitations.orgId, orgInvitations.userId], set: { role, invitedBy: a.userId, createdAt: sql`now()` } });
      return { org: orgName, user: userName, role, invited: true };
    }
  }
  return db.transaction(async (tx) => {
    // Lock the org's owner rows so two demotions cannot each leave the other as "another owner".
    await tx
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.role, 'owner')))
      .for('update');
    if (role !== 'owner' && (await otherOwners(tx, org.id, user.id)) === 0) {
      const [cur] = await tx
        .select()
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
      if (cur?.role === 'owner') throw lastOwner(userName, orgName);
    }
    await tx
      .insert(orgMembers)
      .values({ orgId: org.id, userId: user.id, role })
      .onConflictDoUpdate({ target: [orgMembers.orgId, orgMembers.userId], set: { role } });
    // An admin's direct add answers any invitation still open.
    await tx.delete(orgInvitations).where(and(eq(orgInvitations.orgId, org.id), eq(orgInvitations.userId, user.id)));
    return { org: orgName, user: userName, role };
  });
}

export async function removeMember(db: Db, actor: Actor | null, orgName: string, userName: string) {
  const { org } = await assertOrgOwner(db, actor, orgName);
  const user = await findUser(db, userName);
  return db.transaction(async (tx) => {
    await tx
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.role, 'owner')))
      .for('update');
    const [cur] = await tx
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
    if (!cur) throw new InputError(`user ${userName} is not a member of org ${orgName}`, 'not_found');
    if (cur.role === 'owner' && (await otherOwners(tx, org.id, user.id)) === 0) throw lastOwner(userName, orgName);
    await tx.delete(orgMembers).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
    // Team memberships in the org go too: a removed member keeps no access through a team.
    await tx.execute(sql`delete from team_members where user_id = ${user.id} and team_id in (select id from teams where org_id = ${org.id})`);
    return { org: orgName, user: userName, removed: true };
  });
}

/** Changes the default for the org's packages that have no setting of their own. */
export async function setOrgVisibility(db: Db, orgName: string, visibility: 'public' | 'private', actor: string | null = null) {
  return db.transaction(async (tx) => {
    await tx.update(orgs).set({ defaultVisibility: visibility }).where(eq(orgs.name, orgName));
    // One event for the org's hooks: the default changed for every package without its own setting.
    await emitEvent(tx, { type: 'package.visibility-changed', actor, org: orgName, data: { scope: `@${orgName}`, defaultVisibility: visibility } });
    // Every package of the scope may change visibility: bump them so every replica re-reads them.
    const touched = await tx
      .update(packages)
      .set({ revision: sql`${packages.revision} + 1`, modifiedAt: sql`now()` })
      .where(sql`left(${packages.name}, ${orgName.length + 2}) = ${`@${orgName}/`}`)
      .returning({ id: packages.id });
    await writeSearchDocuments(
      tx,
      touched.map((t) => t.id),
    );
    for (const t of touched) await tx.execute(sql`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify({ package: t.id })})`);
    return touched.map((t) => t.id);
  });
}
