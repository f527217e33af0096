import { and, count, eq, gt, ne, sql } from 'drizzle-orm';
import { InputError, parseActions, parseDuration, parsePatterns, TOKEN_ACTIONS, userNameProblem } from '@unjucks/core';
import type { KeyRing } from '../auth/keys.js';
import { burnPasswordCheck, hashPassword, passwordProblem, verifyPassword } from '../auth/password.js';
import { mintToken, type Actor, type MintedToken } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { auditLog, orgMembers, orgs, users } from '../db/schema.js';
import { assertTokenAllows, requireActor } from './rights.js';

export type UserRow = typeof users.$inferSelect;

export const publicUser = (u: UserRow) => ({ name: u.name, admin: u.isAdmin, password: u.passwordHash !== null, createdAt: u.createdAt.toISOString() });

export function assertAdmin(actor: Actor | null, what: string): Actor {
  const a = requireActor(actor, what);
  if (!a.isAdmin) throw new InputError(`${what} is for registry admins, and user ${a.userName} is not one`, 403, 'forbidden');
  assertTokenAllows(a, 'admin', null);
  return a;
}

export async function findUser(db: Db, name: string): Promise<UserRow> {
  const problem = userNameProblem(name);
  if (problem) throw new InputError(problem);
  const [u] = await db.select().from(users).where(eq(users.name, name));
  if (!u) throw new InputError(`user ${name} not found`, 404, 'not-found');
  return u;
}

export async function createUser(db: Db, body: { name?: unknown; password?: unknown; admin?: unknown }): Promise<UserRow> {
  const problem = userNameProblem(body.name);
  if (problem) throw new InputError(problem);
  if (body.admin !== undefined && typeof body.admin !== 'boolean') throw new InputError('admin must be true or false');
  const passwordHash = body.password === undefined || body.password === null ? null : await hashPassword(body.password as string);
  const [u] = await db
    .insert(users)
    .values({ name: body.name as string, isAdmin: body.admin === true, passwordHash })
    .onConflictDoNothing()
    .returning();
  if (!u) throw new InputError(`user ${body.name as string} already exists`, 409, 'conflict');
  return u;
}

export const listUsers = async (db: Db) => (await db.select().from(users).orderBy(users.name)).map(publicUser);

/** Refuses to remove the last admin or the last owner of an org: either would lock something out for good. */
export async function removeUser(db: Db, name: string) {
  const u = await findUser(db, name);
  return db.transaction(async (tx) => {
    if (u.isAdmin) {
      const [{ n }] = (await tx.select({ n: count() }).from(users).where(and(eq(users.isAdmin, true), ne(users.id, u.id)))) as [{ n: number }];
      if (Number(n) === 0) throw new InputError(`user ${name} is the last registry admin; make another user an admin first`, 409, 'conflict');
    }
    const owned = await tx
      .select({ org: orgs.name, orgId: orgs.id })
      .from(orgMembers)
      .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
      .where(and(eq(orgMembers.userId, u.id), eq(orgMembers.role, 'owner')));
    for (const o of owned) {
      const [{ n }] = (await tx
        .select({ n: count() })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, o.orgId), eq(orgMembers.role, 'owner'), ne(orgMembers.userId, u.id)))) as [{ n: number }];
      if (Number(n) === 0) throw new InputError(`user ${name} is the last owner of org ${o.org}; make someone else an owner first`, 409, 'conflict');
    }
    await tx.delete(users).where(eq(users.id, u.id));
    return { name, removed: true };
  });
}

/** An admin sets anyone's password; a user changes their own by giving the current one. */
export async function setPassword(db: Db, actor: Actor | null, name: string, body: { password?: unknown; currentPassword?: unknown }) {
  const a = requireActor(actor, 'changing a password');
  const u = await findUser(db, name);
  const self = a.userId === u.id;
  if (!self) assertAdmin(a, `changing the password of ${name}`);
  else if (!a.isAdmin && u.passwordHash) {
    if (typeof body.currentPassword !== 'string' || !(await verifyPassword(body.currentPassword, u.passwordHash)))
      throw new InputError('send your current password as "currentPassword" to change it', 403, 'forbidden');
  }
  const problem = passwordProblem(body.password);
  if (problem) throw new InputError(problem);
  await db.update(users).set({ passwordHash: await hashPassword(body.password as string) }).where(eq(users.id, u.id));
  return { name, password: true };
}

export interface LoginBody {
  username?: unknown;
  password?: unknown;
  name?: unknown;
  actions?: unknown;
  packages?: unknown;
  expires?: unknown;
}

/**
 * Exchanges a username and password for a token with the chosen actions (by default every action
 * the user could hold). A wrong user and a wrong password get the same answer in the same time.
 */
export async function login(db: Db, keys: KeyRing, body: LoginBody, maxLifetimeSeconds: number): Promise<MintedToken> {
  if (typeof body.username !== 'string' || typeof body.password !== 'string') throw new InputError('send { "username": "...", "password": "..." }');
  await assertNotLockedOut(db, body.username);
  const [u] = userNameProblem(body.username) ? [] : await db.select().from(users).where(eq(users.name, body.username));
  if (!u?.passwordHash) {
    await burnPasswordCheck(body.password);
    throw new InputError('wrong username or password', 401, 'unauthorized');
  }
  if (!(await verifyPassword(body.password, u.passwordHash))) throw new InputError('wrong username or password', 401, 'unauthorized');
  const actions = body.actions === undefined ? TOKEN_ACTIONS.filter((x) => x !== 'admin' || u.isAdmin) : parseActions(body.actions);
  return mintToken(db, keys, {
    userId: u.id,
    userName: u.name,
    actions,
    packages: parsePatterns(body.packages),
    label: typeof body.name === 'string' ? body.name.slice(0, 200) : 'login',
    lifetimeSeconds: lifetime(body.expires, maxLifetimeSeconds),
  });
}

/** Failed logins a name may have in the window before further attempts are refused. */
export const LOGIN_MAX_FAILURES = 10;
export const LOGIN_WINDOW_MINUTES = 15;

/**
 * Password guessing is slowed per user name, on every replica alike: the failures are counted
 * from the audit log, which records each one, so no state lives in a replica.
 */
async function assertNotLockedOut(db: Db, name: string) {
  const [{ n }] = (await db
    .select({ n: count() })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.actor, name.slice(0, 64)),
        eq(auditLog.action, 'auth.login'),
        eq(auditLog.outcome, 'denied'),
        gt(auditLog.at, sql`now() - make_interval(mins => ${LOGIN_WINDOW_MINUTES})`),
      ),
    )) as [{ n: number }];
  if (Number(n) >= LOGIN_MAX_FAILURES)
    throw new InputError(
      `too many failed logins for ${name} (${LOGIN_MAX_FAILURES} in ${LOGIN_WINDOW_MINUTES} minutes); wait and try again, or ask an admin to set a new password`,
      429,
      'locked-out',
      { retryAfter: LOGIN_WINDOW_MINUTES * 60 },
    );
}

/** A requested lifetime (seconds or `30d`), defaulting to and capped at the configured maximum. */
export function lifetime(expires: unknown, maxSeconds: number): number {
  if (expires === undefined || expires === null) return maxSeconds;
  if (typeof expires !== 'string' && typeof expires !== 'number') throw new InputError('expires takes seconds or a duration such as 30d');
  const s = parseDuration(expires, 'expires');
  if (s <= 0) throw new InputError('a token must live at least one second');
  if (s > maxSeconds) throw new InputError(`a token may live at most ${Math.floor(maxSeconds / 86400)} days (TOKEN_MAX_LIFETIME); asked for ${expires}`);
  return s;
}
