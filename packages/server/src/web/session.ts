import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { InputError } from '@unjucks/core';
import { login } from '../access/users.js';
import { markRevoked } from '../access/tokens.js';
import type { Actor } from '../auth/tokens.js';
import { tokens, users, webSessions } from '../db/schema.js';
import type { RegistryContext } from '../registry/context.js';

/** How long a browser stays signed in (capped by TOKEN_MAX_LIFETIME). */
export const SESSION_LIFETIME_S = 7 * 24 * 3600;
const LAST_USED_RESOLUTION_S = 60;

export interface WebSession {
  idHash: string;
  csrf: string;
  actor: Actor;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest('base64url');
export const randomSecret = () => randomBytes(32).toString('base64url');

/**
 * Signs in with the same `login` the API uses (password check, throttling, unknown users answered
 * like wrong passwords): it mints a token row that the session then acts through, so every right
 * the pages use is the token's, and revoking it anywhere ends the session.
 */
export async function startSession(
  ctx: RegistryContext,
  username: unknown,
  password: unknown,
  ip: string,
): Promise<{ secret: string; expiresAt: Date; user: string }> {
  const lifetime = Math.min(SESSION_LIFETIME_S, ctx.tokenMaxLifetimeSeconds);
  const minted = await login(ctx.db, ctx.keys, { username, password, name: 'web session', expires: lifetime }, ctx.tokenMaxLifetimeSeconds, ip);
  const secret = randomSecret();
  const expiresAt = new Date(minted.expiresAt);
  // Expired rows are useless (findSession refuses them); each sign-in sweeps them.
  await ctx.db.delete(webSessions).where(lt(webSessions.expiresAt, sql`now()`));
  await ctx.db.insert(webSessions).values({ idHash: hash(secret), tokenJti: minted.id, csrf: randomSecret(), expiresAt });
  return { secret, expiresAt, user: minted.user };
}

/** The live session a cookie stands for, or null (unknown, expired, or its token revoked). */
export async function findSession(ctx: RegistryContext, secret: string, ip: string): Promise<WebSession | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  const [row] = await ctx.db
    .select({
      idHash: webSessions.idHash,
      csrf: webSessions.csrf,
      expiresAt: webSessions.expiresAt,
      jti: tokens.jti,
      actions: tokens.actions,
      packages: tokens.packages,
      tokenExpiresAt: tokens.expiresAt,
      revokedAt: tokens.revokedAt,
      lastUsedAt: tokens.lastUsedAt,
      lastUsedIp: tokens.lastUsedIp,
      userId: users.id,
      userName: users.name,
      isAdmin: users.isAdmin,
    })
    .from(webSessions)
    .innerJoin(tokens, eq(tokens.jti, webSessions.tokenJti))
    .innerJoin(users, eq(users.id, tokens.userId))
    .where(eq(webSessions.idHash, hash(secret)));
  const now = Date.now();
  if (!row || row.revokedAt || row.expiresAt.getTime() <= now || row.tokenExpiresAt.getTime() <= now) return null;
  // The tokens page shows when each token was last used; a session's token is no exception.
  if (!row.lastUsedAt || row.lastUsedIp !== ip || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_S * 1000)
    await ctx.db
      .update(tokens)
      .set({ lastUsedAt: sql`now()`, lastUsedIp: ip })
      .where(and(eq(tokens.jti, row.jti), or(isNull(tokens.lastUsedAt), lt(tokens.lastUsedAt, sql`now() - interval '1 second'`))));
  return {
    idHash: row.idHash,
    csrf: row.csrf,
    actor: { userId: row.userId, userName: row.userName, isAdmin: row.isAdmin, jti: row.jti, actions: row.actions, packages: row.packages },
  };
}

/** Logout: the row goes and its token is revoked, so a copied cookie is dead on every replica. */
export async function endSession(ctx: RegistryContext, session: WebSession) {
  await ctx.db.delete(webSessions).where(eq(webSessions.idHash, session.idHash));
  await markRevoked(ctx.db, { jti: session.actor.jti, revokedAt: null });
}

/** Compares a submitted synchronizer token with the expected one in constant time. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const csrfRefused = () =>
  new InputError(
    "this form was refused: it did not come from this registry's own page (missing or wrong CSRF token, or another origin); reload the page and try again",
    'csrf',
  );
