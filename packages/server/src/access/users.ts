import { and, count, eq, isNotNull, ne } from 'drizzle-orm';
import { InputError, parseActions, parseDuration, parsePatterns, userNameProblem } from '@unjucks/core';
import type { KeyRing } from '../auth/keys.js';
import { hashPassword, passwordProblem } from '../auth/password.js';
import { mintToken, type Actor, type MintedToken } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { grants, orgMembers, orgs, users, versions } from '../db/schema.js';
import { lockPackage, touchPackage } from '../registry/lookup.js';
import { checkPassword } from './password-check.js';
import { announceToken } from '../hooks/token-events.js';
import { accountActions, actsAsAdmin, assertAccountRights, assertTokenAllows, requireActor } from './rights.js';

export type UserRow = typeof users.$inferSelect;

export const publicUser = (u: UserRow) => ({ name: u.name, admin: u.isAdmin, password: u.passwordHash !== null, createdAt: u.createdAt.toISOString() });

export function assertAdmin(actor: Actor | null, what: string): Actor {
  const a = requireActor(actor, what);
  if (!a.isAdmin) throw new InputError(`${what} is for registry admins, and user ${a.userName} is not one`, 'forbidden');
  assertTokenAllows(a, 'admin', null);
  return a;
}

export async function findUser(db: Db, name: string): Promise<UserRow> {
  const problem = userNameProblem(name);
  if (problem) throw new InputError(problem);
  const [u] = await db.select().from(users).where(eq(users.name, name));
  if (!u) throw new InputError(`user ${name} not found`, 'not_found');
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
  if (!u) throw new InputError(`user ${body.name as string} already exists`, 'conflict');
  return u;
}

export const listUsers = async (db: Db) => (await db.select().from(users).orderBy(users.name)).map(publicUser);

/** Refuses to remove the last admin or the last owner of an org: either would lock something out for good. */
export async function removeUser(db: Db, name: string) {
  const u = await findUser(db, name);
  return db.transaction(async (tx) => {
    if (u.isAdmin) {
      const [{ n }] = (await tx
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.isAdmin, true), ne(users.id, u.id)))) as [{ n: number }];
      if (Number(n) === 0) throw new InputError(`user ${name} is the last registry admin; make another user an admin first`, 'conflict');
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
      if (Number(n) === 0) throw new InputError(`user ${name} is the last owner of org ${o.org}; make someone else an owner first`, 'conflict');
    }
    // The packages whose documents name the user, as a version's publisher or as a maintainer by
    // a grant, change with the removal: touched as any change readers see is, or every replica
    // would keep serving its cached snapshot naming the removed user (and crediting whoever is
    // given the name next). Locked first, as a publish locks its package before naming its user.
    const [published, granted] = await Promise.all([
      tx.selectDistinct({ id: versions.packageId }).from(versions).where(eq(versions.publishedBy, u.id)),
      tx
        .select({ id: grants.packageId })
        .from(grants)
        .where(and(eq(grants.userId, u.id), isNotNull(grants.packageId))),
    ]);
    const named = [...new Set([...published, ...granted].map((r) => r.id!))].sort((x, y) => x - y);
    for (const id of named) await lockPackage(tx, id);
    await tx.delete(users).where(eq(users.id, u.id));
    for (const id of named) await touchPackage(tx, id, true);
    return { name, removed: true };
  });
}

/**
 * An admin (with a token holding "admin") sets anyone's password. A user changes their own with a
 * token that may act for the whole account (checked first, so a narrow token learns nothing about
 * the password), then their current password, under the same limits as a login.
 */
export async function setPassword(db: Db, actor: Actor | null, name: string, body: { password?: unknown; currentPassword?: unknown }, ip: string) {
  const a = requireActor(actor, 'changing a password');
  const u = await findUser(db, name);
  // Your own password without admin power: account rights first, then the current password.
  const self = a.userId === u.id && !actsAsAdmin(a);
  if (a.userId !== u.id) assertAdmin(a, `changing the password of ${name}`);
  else if (self) assertAccountRights(a, 'changing your password');
  const problem = passwordProblem(body.password);
  if (problem) throw new InputError(problem);
  if (self && u.passwordHash) {
    if (typeof body.currentPassword !== 'string') throw new InputError('send your current password as "currentPassword" to change it', 'forbidden');
    if (!(await checkPassword(db, { name: u.name, ip, password: body.currentPassword, hash: u.passwordHash, purpose: 'user.password' })))
      throw new InputError('the current password is wrong; send your current password as "currentPassword" to change it', 'forbidden');
  }
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(body.password as string) })
    .where(eq(users.id, u.id));
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
export async function login(db: Db, keys: KeyRing, body: LoginBody, maxLifetimeSeconds: number, ip: string): Promise<MintedToken> {
  if (typeof body.username !== 'string' || typeof body.password !== 'string') throw new InputError('send { "username": "...", "password": "..." }');
  const [u] = userNameProblem(body.username) ? [] : await db.select().from(users).where(eq(users.name, body.username));
  const right = await checkPassword(db, { name: body.username, ip, password: body.password, hash: u?.passwordHash ?? null, purpose: 'auth.login' });
  if (!u || !right) throw new InputError('wrong username or password', 'unauthorized');
  const actions = body.actions === undefined ? accountActions(u.isAdmin) : parseActions(body.actions);
  const packages = parsePatterns(body.packages);
  return mintToken(db, keys, {
    inTransaction: announceToken(u.name, u.name, packages),
    userId: u.id,
    userName: u.name,
    actions,
    packages,
    label: typeof body.name === 'string' ? body.name.slice(0, 200) : 'login',
    lifetimeSeconds: lifetime(body.expires, maxLifetimeSeconds),
  });
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
