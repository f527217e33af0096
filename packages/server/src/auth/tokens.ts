import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, SignJWT, decodeProtectedHeader } from 'jose';
import { InputError, TOKEN_ROLES, type TokenRole } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { tokens, users } from '../db/schema.js';
import { KeyRing, TOKEN_ALG } from './keys.js';

export const TOKEN_ISSUER = 'unjucks-registry';
export const TOKEN_AUDIENCE = 'unjucks-registry';
export const TOKEN_TYPE = 'unjucks-token+jwt';
export const DEFAULT_TOKEN_LIFETIME_S = 365 * 24 * 3600;

/** Who is making a request, established from a verified token and its live database row. */
export interface Actor {
  userId: number;
  userName: string;
  role: TokenRole;
  jti: string;
}

export interface MintedToken {
  token: string;
  jti: string;
  user: string;
  role: TokenRole;
  expiresAt: string;
}

const USER_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function assertRole(role: unknown): TokenRole {
  if (!TOKEN_ROLES.includes(role as TokenRole))
    throw new InputError(`role must be one of ${TOKEN_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  return role as TokenRole;
}

/** Creates the user when missing, then a token row and its signed JWT. */
export async function mintToken(
  db: Db,
  keys: KeyRing,
  opts: { user: string; role: TokenRole; label?: string; lifetimeSeconds?: number },
): Promise<MintedToken> {
  if (!USER_RE.test(opts.user))
    throw new InputError(`invalid user name ${JSON.stringify(opts.user)}: use lowercase letters, digits and . _ - (at most 64)`);
  const role = assertRole(opts.role);
  const lifetime = opts.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_S;
  if (!Number.isFinite(lifetime) || lifetime <= 0 || lifetime > 10 * DEFAULT_TOKEN_LIFETIME_S)
    throw new InputError('a token lifetime must be positive and at most 10 years');
  await db.insert(users).values({ name: opts.user, isAdmin: role === 'admin' }).onConflictDoNothing();
  const [user] = await db.select().from(users).where(eq(users.name, opts.user));
  const jti = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const exp = now + Math.floor(lifetime);
  await db.insert(tokens).values({ jti, userId: user!.id, role, label: opts.label ?? null, expiresAt: new Date(exp * 1000) });
  const { kid, key } = await keys.signingKey();
  const token = await new SignJWT({ role })
    .setProtectedHeader({ alg: TOKEN_ALG, kid, typ: TOKEN_TYPE })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(opts.user)
    .setJti(jti)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(key);
  return { token, jti, user: opts.user, role, expiresAt: new Date(exp * 1000).toISOString() };
}

const unauthorized = (why: string) => new InputError(`${why}; send "Authorization: Bearer <token>" with a valid registry token`, 401, 'unauthorized');

/** Verifies a JWT (pinned algorithm, issuer, audience and type) and that its row is live. */
export async function verifyToken(db: Db, keys: KeyRing, token: string): Promise<Actor> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw unauthorized('the token is malformed');
  }
  if (!kid) throw unauthorized('the token has no key id');
  const key = await keys.verificationKey(kid);
  if (!key) throw unauthorized('the token was signed by an unknown key');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [TOKEN_ALG],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      typ: TOKEN_TYPE,
      requiredClaims: ['jti', 'sub', 'exp', 'iat'],
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired');
    throw unauthorized('the token is invalid');
  }
  const [row] = await db
    .select({ jti: tokens.jti, role: tokens.role, expiresAt: tokens.expiresAt, userId: users.id, userName: users.name })
    .from(tokens)
    .innerJoin(users, eq(users.id, tokens.userId))
    .where(and(eq(tokens.jti, payload.jti!), isNull(tokens.revokedAt)));
  if (!row) throw unauthorized('the token has been revoked or does not exist');
  if (row.expiresAt.getTime() <= Date.now()) throw unauthorized('the token has expired');
  if (row.userName !== payload.sub) throw unauthorized('the token is invalid');
  return { userId: row.userId, userName: row.userName, role: row.role as TokenRole, jti: row.jti };
}
