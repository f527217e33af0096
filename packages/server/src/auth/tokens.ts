import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, SignJWT, decodeProtectedHeader } from 'jose';
import { InputError, type TokenAction } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { tokens, users } from '../db/schema.js';
import { ipAllowed } from './cidr.js';
import { type KeyRing, TOKEN_ALG } from './keys.js';
import { cachesOf, type TokenRow } from '../cache/replica-caches.js';

export const TOKEN_ISSUER = 'unjucks-registry';
export const TOKEN_AUDIENCE = 'unjucks-registry';
export const TOKEN_TYPE = 'unjucks-token+jwt';
export const DEFAULT_TOKEN_LIFETIME_S = 365 * 24 * 3600;
/** last_used_at is written at most this often per token, so reads do not each cost a write. */
const LAST_USED_RESOLUTION_S = 60;

/** Who is making a request: a verified token, its live row and its user as they are now. */
export interface Actor {
  userId: number;
  userName: string;
  isAdmin: boolean;
  jti: string;
  actions: readonly TokenAction[];
  packages: readonly string[] | null;
  /** Set when the token came from an OIDC exchange: the trusted publisher (a CI job) that acts through it. */
  trustedPublisherId?: number | null;
}

export interface MintedToken {
  id: string;
  token: string;
  user: string;
  actions: TokenAction[];
  packages: string[] | null;
  cidr: string[] | null;
  expiresAt: string;
}

export interface TokenSpec {
  userId: number;
  userName: string;
  actions: TokenAction[];
  packages?: string[] | null;
  cidr?: string[] | null;
  label?: string | null;
  lifetimeSeconds: number;
  createdBy?: number | null;
  /** Minted by an OIDC exchange for this trusted publisher (see oidc/exchange.ts). */
  trustedPublisherId?: number | null;
  /** Runs in the transaction that writes the token's row (the webhook outbox: token.created). */
  inTransaction?: (tx: Db, jti: string) => Promise<void>;
}

/** Writes the token's row and returns its signed JWT: the only time the secret exists. */
export async function mintToken(db: Db, keys: KeyRing, spec: TokenSpec): Promise<MintedToken> {
  const jti = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const exp = now + Math.floor(spec.lifetimeSeconds);
  const { kid, key } = await keys.signingKey();
  const row = {
    jti,
    userId: spec.userId,
    label: spec.label ?? null,
    actions: spec.actions,
    packages: spec.packages ?? null,
    cidr: spec.cidr ?? null,
    createdBy: spec.createdBy ?? spec.userId,
    trustedPublisherId: spec.trustedPublisherId ?? null,
    expiresAt: new Date(exp * 1000),
  };
  if (spec.inTransaction) {
    const also = spec.inTransaction;
    await db.transaction(async (tx) => {
      await tx.insert(tokens).values(row);
      await also(tx, jti);
    });
  } else await db.insert(tokens).values(row);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: TOKEN_ALG, kid, typ: TOKEN_TYPE })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(spec.userName)
    .setJti(jti)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(key);
  return {
    id: jti,
    token,
    user: spec.userName,
    actions: spec.actions,
    packages: spec.packages ?? null,
    cidr: spec.cidr ?? null,
    expiresAt: new Date(exp * 1000).toISOString(),
  };
}

/**
 * Tokens whose signature and claims were verified, by their exact text: a signature never stops
 * being valid, so this only spares the crypto. Expiry and the database row are checked every time.
 */
const verified = new Map<string, { jti: string; sub: string; exp: number }>();
const VERIFIED_MAX = 10_000;

/** Whether this exact token's signature was verified before (so checking it costs no crypto). */
export const signatureKnown = (token: string): boolean => verified.has(token);

const unauthorized = (why: string) => new InputError(`${why}; send "Authorization: Bearer <token>" with a valid registry token`, 'unauthorized');

/**
 * Verifies a JWT (pinned algorithm, issuer, audience and type), then its row: not revoked, not
 * expired, used from an allowed address. Records when and from where it was last used.
 */
export async function verifyToken(db: Db, keys: KeyRing, token: string, ip: string): Promise<Actor> {
  let payload = verified.get(token);
  if (payload && payload.exp * 1000 <= Date.now()) {
    verified.delete(token);
    throw unauthorized('the token has expired');
  }
  payload ??= await verifySignature(keys, token);
  return checkRow(db, payload, ip);
}

async function verifySignature(keys: KeyRing, token: string) {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw unauthorized('the token is malformed');
  }
  if (!kid) throw unauthorized('the token has no key id');
  const key = await keys.verificationKey(kid);
  if (!key) throw unauthorized('the token was signed by an unknown key');
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(token, key, {
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
  const payload = { jti: claims.jti!, sub: claims.sub!, exp: claims.exp! };
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  verified.set(token, payload);
  return payload;
}

async function loadRow(db: Db, jti: string): Promise<TokenRow | undefined> {
  const [row] = await db
    .select({
      jti: tokens.jti,
      actions: tokens.actions,
      packages: tokens.packages,
      cidr: tokens.cidr,
      expiresAt: tokens.expiresAt,
      revokedAt: tokens.revokedAt,
      trustedPublisherId: tokens.trustedPublisherId,
      lastUsedAt: tokens.lastUsedAt,
      lastUsedIp: tokens.lastUsedIp,
      userId: users.id,
      userName: users.name,
      isAdmin: users.isAdmin,
    })
    .from(tokens)
    .innerJoin(users, eq(users.id, tokens.userId))
    .where(eq(tokens.jti, jti));
  return row;
}

/** Why a token's row refuses this request (the same checks, in the same order, on every path), or null. */
function refusal(row: TokenRow | undefined, payload: { sub: string }, ip: string): InputError | null {
  if (!row) return unauthorized('the token does not exist (its user may have been removed)');
  if (row.revokedAt) return unauthorized(`the token ${row.jti} was revoked at ${row.revokedAt.toISOString()}`);
  if (row.expiresAt.getTime() <= Date.now()) return unauthorized('the token has expired');
  if (row.userName !== payload.sub) return unauthorized('the token is invalid');
  if (row.cidr && !ipAllowed(ip, row.cidr))
    return new InputError(`the token ${row.jti} may only be used from ${row.cidr.join(', ')}, and this request came from ${ip}`, 'forbidden');
  return null;
}

/** Whether this use must be written down (last_used_at / last_used_ip). */
const due = (row: TokenRow, ip: string) => !row.lastUsedAt || row.lastUsedIp !== ip || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_S * 1000;

/**
 * The actor of a row, one per row object: a cached row is replaced, never changed in what an actor
 * holds (a token or access notice drops it), so its actor can be handed out again.
 */
const actors = new WeakMap<TokenRow, Actor>();
function actorOf(row: TokenRow): Actor {
  let a = actors.get(row);
  if (!a) {
    a = {
      userId: row.userId,
      userName: row.userName,
      isAdmin: row.isAdmin,
      jti: row.jti,
      actions: row.actions,
      packages: row.packages,
      trustedPublisherId: row.trustedPublisherId,
    };
    actors.set(row, a);
  }
  return a;
}

async function checkRow(db: Db, payload: { jti: string; sub: string }, ip: string): Promise<Actor> {
  // The row comes from this replica's cache while the change feed vouches for it: revoking or
  // narrowing a token notifies every replica in the same transaction (migration 0012's trigger).
  const caches = cachesOf(db);
  const row = caches ? await caches.tokens.fetch(payload.jti, () => loadRow(db, payload.jti)) : await loadRow(db, payload.jti);
  const refused = refusal(row, payload, ip);
  if (refused) throw refused;
  if (due(row!, ip)) {
    await db
      .update(tokens)
      .set({ lastUsedAt: sql`now()`, lastUsedIp: ip })
      .where(and(eq(tokens.jti, row!.jti), or(isNull(tokens.lastUsedAt), lt(tokens.lastUsedAt, sql`now() - interval '1 second'`))));
    // The cached row remembers it, so the next requests within the resolution do not write again.
    row!.lastUsedAt = new Date();
    row!.lastUsedIp = ip;
  }
  return actorOf(row!);
}

/** Verified tokens by the whole Authorization header they came in, so a hot read neither parses nor hashes the token again. */
const byHeader = new Map<string, { jti: string; sub: string; exp: number }>();
const BEARER = /^Bearer\s+(\S+)\s*$/i;
const last: { header: string | undefined; payload: { jti: string; sub: string; exp: number } | undefined } = { header: undefined, payload: undefined };

/**
 * The actor of an Authorization header when everything verifyToken would check is at hand in
 * memory and lets the request through without a write: a signature verified before, a row this
 * replica's cache vouches for, not revoked or expired, the address allowed, the last use recorded.
 * Undefined otherwise, and then verifyToken decides (and refuses, or writes the use, as ever).
 */
export function actorNow(db: Db, header: string, ip: string): Actor | undefined {
  // A client sends the same header on every request: compared, it is not hashed again.
  let payload = header === last.header ? last.payload : byHeader.get(header);
  if (!payload) {
    const token = BEARER.exec(header)?.[1];
    payload = token === undefined ? undefined : verified.get(token);
    if (!payload) return undefined;
    if (byHeader.size >= VERIFIED_MAX) byHeader.delete(byHeader.keys().next().value!);
    byHeader.set(header, payload);
  }
  if (payload.exp * 1000 <= Date.now()) {
    byHeader.delete(header);
    last.header = undefined;
    return undefined;
  }
  last.header = header;
  last.payload = payload;
  const row = cachesOf(db)?.tokens.peek(payload.jti)?.value;
  if (!row || refusal(row, payload, ip) || due(row, ip)) return undefined;
  return actorOf(row);
}
