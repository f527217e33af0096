import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { InputError, parseActions, parsePatterns, patternCovers, type TokenAction } from '@unjucks/core';
import { parseCidrs } from '../auth/cidr.js';
import type { KeyRing } from '../auth/keys.js';
import { mintToken, type Actor, type MintedToken } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { orgMembers, orgs, tokens, users } from '../db/schema.js';
import { actsAsAdmin, assertTokenAllows, requireActor } from './rights.js';
import { emitEvent } from '../hooks/emit.js';
import { announceToken, tokenOrg } from '../hooks/token-events.js';
import { findUser, lifetime } from './users.js';

export interface CreateTokenBody {
  name?: unknown;
  actions?: unknown;
  packages?: unknown;
  expires?: unknown;
  cidr?: unknown;
  /** Admins only: mint for this user instead of the caller. */
  user?: unknown;
}

/**
 * The "admin" action is for registry admins only: on anyone else's token it would be a grant that
 * wakes up the day the user is made an admin. The API and the server CLI (either way it reaches
 * the database) both mint through this rule.
 */
export function assertActionsFitUser(user: { name: string; isAdmin: boolean }, actions: readonly TokenAction[]) {
  if (actions.includes('admin') && !user.isAdmin)
    throw new InputError(`user ${user.name} is not a registry admin, so a token for them cannot hold "admin"; make them an admin first or drop the action`);
}

/**
 * A new token for the caller (or, for an admin, for another user). It can never hold more than
 * the token that asks for it: its actions and package patterns must be within the caller's.
 */
export async function createToken(db: Db, keys: KeyRing, actor: Actor | null, body: CreateTokenBody, maxLifetimeSeconds: number): Promise<MintedToken> {
  const a = requireActor(actor, 'creating a token');
  assertTokenAllows(a, 'tokens', null);
  if (body.actions === undefined)
    throw new InputError('send { "name": "label", "actions": ["read", ...] }; actions are required so a token holds only what it needs');
  const actions = parseActions(body.actions);
  const beyond = actions.filter((x) => !a.actions.includes(x));
  if (beyond.length)
    throw new InputError(
      `this token cannot create a token with ${beyond.map((x) => `"${x}"`).join(', ')}: a token never holds more than the token that creates it`,
      'forbidden',
    );
  let packages = parsePatterns(body.packages);
  if (a.packages) {
    if (!packages) packages = [...a.packages];
    const outside = packages.filter((p) => !a.packages!.some((outer) => patternCovers(outer, p)));
    if (outside.length)
      throw new InputError(`this token is limited to ${a.packages.join(', ')}; it cannot create a token for ${outside.join(', ')}`, 'forbidden');
  }
  let owner = { id: a.userId, name: a.userName, isAdmin: a.isAdmin };
  if (body.user !== undefined && body.user !== a.userName) {
    if (!actsAsAdmin(a)) throw new InputError('only registry admins create tokens for other users', 'forbidden');
    const u = await findUser(db, String(body.user));
    owner = { id: u.id, name: u.name, isAdmin: u.isAdmin };
  }
  assertActionsFitUser(owner, actions);
  if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 200))
    throw new InputError('name (the token label) must be text of at most 200 characters');
  return mintToken(db, keys, {
    inTransaction: announceToken(a.userName, owner.name, packages),
    userId: owner.id,
    userName: owner.name,
    actions,
    packages,
    cidr: parseCidrs(body.cidr),
    label: (body.name as string | undefined) ?? null,
    lifetimeSeconds: lifetime(body.expires, maxLifetimeSeconds),
    createdBy: a.userId,
  });
}

/** Whether a token's package patterns all lie in the org's scope: only such tokens are the org's business. */
export const limitedToOrg = (patterns: readonly string[] | null, org: string) => !!patterns?.length && patterns.every((p) => patternCovers(`@${org}/*`, p));

/** Orgs the actor owns in which the user is a member: through these the actor sees the user's org tokens. */
async function ownedOrgsOf(db: Db, a: Actor, userId: number): Promise<string[]> {
  const owned = db
    .select({ id: orgMembers.orgId })
    .from(orgMembers)
    .where(and(eq(orgMembers.userId, a.userId), eq(orgMembers.role, 'owner')));
  const rows = await db
    .select({ org: orgs.name })
    .from(orgMembers)
    .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
    .where(and(eq(orgMembers.userId, userId), inArray(orgMembers.orgId, owned)));
  return rows.map((r) => r.org);
}

/**
 * Which tokens the actor may see and revoke: a user's own, anyone's for an admin, and for an org
 * owner only members' tokens limited to the org's packages (every pattern within @org/*), never a
 * member's other tokens. Returns the users to look at and, for owners, the orgs that filter them.
 */
async function managedScope(db: Db, a: Actor, scope: { user?: string; org?: string }): Promise<{ ids: number[]; orgs: string[] | null }> {
  if (scope.org) {
    const [org] = await db.select().from(orgs).where(eq(orgs.name, scope.org));
    if (!org) throw new InputError(`org ${scope.org} not found`, 'not_found');
    if (!actsAsAdmin(a)) {
      const [me] = await db
        .select()
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, a.userId)));
      if (me?.role !== 'owner') throw new InputError(`only owners of org ${scope.org} manage its members' tokens`, 'forbidden');
    }
    const ids = (await db.select({ id: orgMembers.userId }).from(orgMembers).where(eq(orgMembers.orgId, org.id))).map((r) => r.id);
    return { ids, orgs: [scope.org] };
  }
  if (scope.user && scope.user !== a.userName) {
    const u = await findUser(db, scope.user);
    if (actsAsAdmin(a)) return { ids: [u.id], orgs: null };
    const via = await ownedOrgsOf(db, a, u.id);
    if (!via.length)
      throw new InputError(
        `user ${a.userName} may not see the tokens of ${scope.user}: that needs a registry admin, or an owner of an org ${scope.user} belongs to (who sees only tokens limited to that org's packages)`,
        'forbidden',
      );
    return { ids: [u.id], orgs: via };
  }
  return { ids: [a.userId], orgs: null };
}

/** Whether the actor may revoke the token: false, true (its owner or an admin), or the org through which they may. */
async function mayRevoke(db: Db, a: Actor, row: { userId: number; packages: string[] | null }): Promise<boolean | string> {
  if (a.userId === row.userId || actsAsAdmin(a)) return true;
  return (await ownedOrgsOf(db, a, row.userId)).find((org) => limitedToOrg(row.packages, org)) ?? false;
}

/** Token metadata, never the secret (which is not stored). */
export async function listTokens(db: Db, actor: Actor | null, scope: { user?: string; org?: string }) {
  const a = requireActor(actor, 'listing tokens');
  assertTokenAllows(a, 'tokens', null);
  const { ids, orgs: via } = await managedScope(db, a, scope);
  const rows = (
    await db
      .select({ t: tokens, user: users.name })
      .from(tokens)
      .innerJoin(users, eq(users.id, tokens.userId))
      .where(inArray(tokens.userId, ids))
      .orderBy(desc(tokens.createdAt))
  ).filter(({ t }) => !via || via.some((org) => limitedToOrg(t.packages, org)));
  return {
    tokens: rows.map(({ t, user }) => ({
      id: t.jti,
      user,
      label: t.label,
      actions: t.actions,
      packages: t.packages,
      cidr: t.cidr,
      createdAt: t.createdAt.toISOString(),
      expiresAt: t.expiresAt.toISOString(),
      lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
      lastUsedIp: t.lastUsedIp,
      revokedAt: t.revokedAt?.toISOString() ?? null,
      trustedPublisher: t.trustedPublisherId,
      current: t.jti === a.jti,
    })),
  };
}

/**
 * Revokes at once on every replica: each request re-reads the token's row. Any token may revoke
 * itself (a logout); revoking another needs the "tokens" action and the right over its user.
 */
export async function revokeToken(db: Db, actor: Actor | null, id: string) {
  const a = requireActor(actor, 'revoking a token');
  const row = await findToken(db, id);
  let viaOrg: string | null = null;
  if (row.jti !== a.jti) {
    assertTokenAllows(a, 'tokens', null);
    const may = await mayRevoke(db, a, row);
    if (typeof may === 'string') viaOrg = may;
    if (!may)
      throw new InputError(
        `token ${id} belongs to another user and is not limited to the packages of an org user ${a.userName} owns, so only its user or a registry admin may revoke it`,
        'forbidden',
      );
  }
  const { user, revokedAt } = await revokeAnnounced(db, row, a.userName);
  return { id, user, revokedAt, org: viaOrg };
}

type TokenRow = typeof tokens.$inferSelect;

/**
 * Revokes the row and, for a token that is an org's business, writes token.revoked in the same
 * transaction; only the revocation that changed the row announces it, so a repeated or concurrent
 * one sends nothing twice. The API and the server CLI both revoke through here.
 */
export async function revokeAnnounced(db: Db, row: TokenRow, actor: string): Promise<{ user: string | null; revokedAt: string }> {
  const [user] = await db.select({ name: users.name }).from(users).where(eq(users.id, row.userId));
  const org = tokenOrg(row.packages);
  const revokedAt = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(tokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(tokens.jti, row.jti), isNull(tokens.revokedAt)))
      .returning({ revokedAt: tokens.revokedAt });
    if (updated && org) await emitEvent(tx, { type: 'token.revoked', actor, org, data: { id: row.jti, user: user?.name ?? null, packages: row.packages } });
    return (updated ?? row).revokedAt ?? (await findToken(tx, row.jti)).revokedAt!;
  });
  return { user: user?.name ?? null, revokedAt: revokedAt.toISOString() };
}

/** The token row by id, or a 404. */
export async function findToken(db: Db, id: string) {
  const [row] = /^[0-9a-f-]{36}$/i.test(id) ? await db.select().from(tokens).where(eq(tokens.jti, id)) : [];
  if (!row) throw new InputError(`token ${id} not found`, 'not_found');
  return row;
}

/** Sets revoked_at once (revoking twice keeps the first time); returns it. */
export async function markRevoked(db: Db, row: { jti: string; revokedAt: Date | null }): Promise<string> {
  const [updated] = await db
    .update(tokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(tokens.jti, row.jti), isNull(tokens.revokedAt)))
    .returning();
  return (updated ?? row).revokedAt!.toISOString();
}
