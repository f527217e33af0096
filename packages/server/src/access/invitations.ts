import { and, eq } from 'drizzle-orm';
import { InputError } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { orgInvitations, orgMembers, orgs, users } from '../db/schema.js';
import { assertOrgOwner, findOrg, pendingInvitations } from './orgs.js';
import { assertAccountRights, requireActor } from './rights.js';
import { findUser } from './users.js';

/** The invitations an org's owners sent and nobody answered yet. */
export async function listOrgInvitations(db: Db, actor: Actor | null, orgName: string) {
  const { org } = await assertOrgOwner(db, actor, orgName);
  return { org: orgName, invitations: await pendingInvitations(db, org.id) };
}

/** An owner takes back an invitation not yet answered. */
export async function withdrawInvitation(db: Db, actor: Actor | null, orgName: string, userName: string) {
  const { org } = await assertOrgOwner(db, actor, orgName);
  const user = await findUser(db, userName);
  const gone = await db
    .delete(orgInvitations)
    .where(and(eq(orgInvitations.orgId, org.id), eq(orgInvitations.userId, user.id)))
    .returning();
  if (!gone.length) throw new InputError(`user ${userName} has no open invitation to org ${orgName}`, 'not_found');
  return { org: orgName, user: userName, withdrawn: true };
}

/** The caller's open invitations: which org, which role, from whom. */
export async function myInvitations(db: Db, actor: Actor | null) {
  const a = requireActor(actor, 'listing your invitations');
  const inviter = db.select({ id: users.id, name: users.name }).from(users).as('inviter');
  const rows = await db
    .select({ org: orgs.name, role: orgInvitations.role, invitedBy: inviter.name, since: orgInvitations.createdAt })
    .from(orgInvitations)
    .innerJoin(orgs, eq(orgs.id, orgInvitations.orgId))
    .leftJoin(inviter, eq(inviter.id, orgInvitations.invitedBy))
    .where(eq(orgInvitations.userId, a.userId))
    .orderBy(orgs.name);
  return { invitations: rows.map((r) => ({ ...r, since: r.since.toISOString() })) };
}

const noInvitation = (user: string, org: string) =>
  new InputError(
    `user ${user} has no open invitation to org ${org}; an owner of ${org} sends one with "unjucks org member add ${org} ${user} --role ROLE"`,
    'not_found',
  );

/**
 * Joining gives the org's owners a say over the tokens the user limits to the org's packages, so
 * only a token that may act for the whole account accepts.
 */
export async function acceptInvitation(db: Db, actor: Actor | null, orgName: string) {
  const a = requireActor(actor, 'accepting an invitation');
  assertAccountRights(a, `accepting the invitation to org ${orgName}`);
  const org = await findOrg(db, orgName);
  return db.transaction(async (tx) => {
    const [inv] = await tx
      .delete(orgInvitations)
      .where(and(eq(orgInvitations.orgId, org.id), eq(orgInvitations.userId, a.userId)))
      .returning();
    if (!inv) throw noInvitation(a.userName, orgName);
    // Already a member (an admin added them meanwhile): the role they have stands.
    const [joined] = await tx.insert(orgMembers).values({ orgId: org.id, userId: a.userId, role: inv.role }).onConflictDoNothing().returning();
    const role =
      joined?.role ??
      (
        await tx
          .select()
          .from(orgMembers)
          .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, a.userId)))
      )[0]!.role;
    return { org: orgName, user: a.userName, role };
  });
}

/** Declining takes nothing from the account, so any of the user's tokens may do it. */
export async function declineInvitation(db: Db, actor: Actor | null, orgName: string) {
  const a = requireActor(actor, 'declining an invitation');
  const org = await findOrg(db, orgName);
  const gone = await db
    .delete(orgInvitations)
    .where(and(eq(orgInvitations.orgId, org.id), eq(orgInvitations.userId, a.userId)))
    .returning();
  if (!gone.length) throw noInvitation(a.userName, orgName);
  return { org: orgName, user: a.userName, declined: true };
}
