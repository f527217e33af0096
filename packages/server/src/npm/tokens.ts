import { eq } from 'drizzle-orm';
import { ACTION_PRESETS, InputError, parsePatterns, type TokenAction } from '@unjucks/core';
import { createToken, listTokens, revokeToken } from '../access/tokens.js';
import { checkPassword } from '../access/password-check.js';
import { assertTokenAllows, requireActor } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import { users } from '../db/schema.js';
import type { RegistryContext } from '../registry/context.js';

/** `npm token list`: npm pages through `urls.next`, so `urls` is always present. */
export async function npmListTokens(ctx: RegistryContext, actor: Actor | null) {
  const { tokens } = await listTokens(ctx.db, actor, {});
  const objects = tokens
    .filter((t) => !t.revokedAt)
    .map((t) => ({
      token: t.id.slice(0, 8),
      key: t.id,
      name: t.label,
      cidr_whitelist: t.cidr,
      readonly: t.actions.every((a) => a === 'read'),
      automation: false,
      created: t.createdAt,
      updated: t.lastUsedAt ?? t.createdAt,
      expiry: t.expiresAt,
      packages: t.packages,
    }));
  return { objects, total: objects.length, urls: {} };
}

interface NpmTokenBody {
  password?: unknown;
  name?: unknown;
  readonly?: unknown;
  cidr_whitelist?: unknown;
  expires?: unknown;
  packages?: unknown;
  scopes?: unknown;
  packages_and_scopes_permission?: unknown;
}

/**
 * `npm token create`: npm 10 sends { password, readonly, cidr_whitelist }, npm 11.7+ also name,
 * expires (days), packages and scopes. The token must hold "tokens"; then the password is checked
 * when the user has one, as npm does, under the login limits (access/password-check.ts).
 */
export async function npmCreateToken(ctx: RegistryContext, actor: Actor | null, body: NpmTokenBody, ip: string) {
  const a = requireActor(actor, 'creating a token');
  // The token's right first: a token that may not mint tokens is no way to test passwords.
  assertTokenAllows(a, 'tokens', null);
  const [user] = await ctx.db.select().from(users).where(eq(users.id, a.userId));
  if (user?.passwordHash) {
    if (typeof body.password !== 'string') throw new InputError('creating a token needs your password; pass --password or answer the prompt', 'unauthorized');
    if (!(await checkPassword(ctx.db, { name: user.name, ip, password: body.password, hash: user.passwordHash, purpose: 'token.create' })))
      throw new InputError('the password is wrong; creating a token needs your password', 'unauthorized');
  }
  const readonly = body.readonly === true || body.packages_and_scopes_permission === 'read-only';
  const wanted: readonly TokenAction[] = readonly ? ['read'] : ACTION_PRESETS.publisher!;
  const scopes = Array.isArray(body.scopes) ? body.scopes.map((s) => `${String(s).replace(/^@?/, '@')}/*`) : [];
  const names = Array.isArray(body.packages) ? body.packages.map(String) : [];
  const minted = await createToken(
    ctx.db,
    ctx.keys,
    a,
    {
      name: typeof body.name === 'string' ? body.name : 'npm token',
      // Never more than the token asking: keep what it holds.
      actions: wanted.filter((x) => a.actions.includes(x)),
      packages: names.length || scopes.length ? parsePatterns([...names, ...scopes]) : undefined,
      cidr: Array.isArray(body.cidr_whitelist) && body.cidr_whitelist.length ? body.cidr_whitelist : undefined,
      expires: typeof body.expires === 'number' ? `${body.expires}d` : undefined,
    },
    ctx.tokenMaxLifetimeSeconds,
  );
  return {
    token: minted.token,
    key: minted.id,
    name: typeof body.name === 'string' ? body.name : 'npm token',
    readonly: minted.actions.every((x) => x === 'read'),
    cidr_whitelist: minted.cidr,
    created: new Date().toISOString(),
    expiry: minted.expiresAt,
  };
}

export const npmRevokeToken = (ctx: RegistryContext, actor: Actor | null, key: string) => revokeToken(ctx.db, actor, key);
