import { and, eq } from 'drizzle-orm';
import { InputError, orgNameProblem } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { orgMembers, teamMembers, teams, users } from '../db/schema.js';
import { assertOrgOwner, findOrg } from './orgs.js';
import { requireActor, roleInScope } from './rights.js';
import { findUser } from './users.js';

async function findTeam(db: Db, orgId: number, org: string, name: string) {
  const [team] = await db
    .select()
    .from(teams)
    .where(and(eq(teams.orgId, orgId), eq(teams.name, name)));
  if (!team) throw new InputError(`team ${org}:${name} not found`, 'not_found');
  return team;
}

export async function createTeam(db: Db, actor: Actor | null, orgName: string, body: { name?: unknown }) {
  const { org } = await assertOrgOwner(db, actor, orgName);
  const problem = orgNameProblem(body?.name, 'team');
  if (problem) throw new InputError(problem);
  const [team] = await db
    .insert(teams)
    .values({ orgId: org.id, name: body.name as string })
    .onConflictDoNothing()
    .returning();
  if (!team) throw new InputError(`team ${orgName}:${body.name as string} already exists`, 'conflict');
  return { org: orgName, team: team.name };
}

/** Removing a team removes its grants with it (and every right they gave its members). */
export async function removeTeam(db: Db, actor: Actor | null, orgName: string, name: string) {
  const { org } = await assertOrgOwner(db, actor, orgName);
  const team = await findTeam(db, org.id, orgName, name);
  await db.delete(teams).where(eq(teams.id, team.id));
  return { org: orgName, team: name, removed: true };
}

export async function listTeams(db: Db, actor: Actor | null, orgName: string) {
  const a = requireActor(actor, `listing the teams of ${orgName}`);
  const org = await findOrg(db, orgName);
  if (!a.isAdmin && !(await roleInScope(db, a.userId, orgName)).role) throw new InputError(`user ${a.userName} is not a member of org ${orgName}`, 'forbidden');
  const rows = await db
    .select({ team: teams.name, user: users.name })
    .from(teams)
    .leftJoin(teamMembers, eq(teamMembers.teamId, teams.id))
    .leftJoin(users, eq(users.id, teamMembers.userId))
    .where(eq(teams.orgId, org.id))
    .orderBy(teams.name, users.name);
  const byTeam = new Map<string, string[]>();
  for (const r of rows) byTeam.set(r.team, [...(byTeam.get(r.team) ?? []), ...(r.user ? [r.user] : [])]);
  return { org: orgName, teams: [...byTeam].map(([name, members]) => ({ name, members })) };
}

/** Only members of the org can join its teams: a team never brings in an outsider. */
export async function addTeamMember(db: Db, actor: Actor | null, orgName: string, name: string, userName: string) {
  const { org } = await assertOrgOwner(db, actor, orgName);
  const team = await findTeam(db, org.id, orgName, name);
  const user = await findUser(db, userName);
  const [member] = await db
    .select()
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
  if (!member)
    throw new InputError(
      `user ${userName} is not a member of org ${orgName}; add them with "unjucks org member add ${orgName} ${userName} --role reader" first`,
      'conflict',
    );
  await db.insert(teamMembers).values({ teamId: team.id, userId: user.id }).onConflictDoNothing();
  return { org: orgName, team: name, user: userName };
}

export async function removeTeamMember(db: Db, actor: Actor | null, orgName: string, name: string, userName: string) {
  const { org } = await assertOrgOwner(db, actor, orgName);
  const team = await findTeam(db, org.id, orgName, name);
  const user = await findUser(db, userName);
  const gone = await db
    .delete(teamMembers)
    .where(and(eq(teamMembers.teamId, team.id), eq(teamMembers.userId, user.id)))
    .returning();
  if (gone.length === 0) throw new InputError(`user ${userName} is not in team ${orgName}:${name}`, 'not_found');
  return { org: orgName, team: name, user: userName, removed: true };
}

export { findTeam };
