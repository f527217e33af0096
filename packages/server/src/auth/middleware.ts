import { InputError } from '@unjucks/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { isNpmPasswordLogin } from './npm-basic.js';
import type { RegistryContext } from '../registry/context.js';
import { type Actor, verifyToken } from './tokens.js';

/**
 * Who an Authorization header speaks for. No header means anonymous (reads are public); a header
 * with a bad token is always a 401, so a client never silently acts as anonymous.
 */
export async function actorFrom(registry: RegistryContext, header: string | undefined, ip: string): Promise<Actor | null> {
  if (!header) return null;
  return verifyToken(registry.db, registry.keys, bearerToken(header), ip);
}

/** The token of a `Bearer <token>` header; a 401 for any other form. */
export function bearerToken(header: string): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new InputError('the Authorization header must be "Bearer <token>"', 'unauthorized');
  return m[1]!;
}

/** Sets `actor` from a bearer token (see actorFrom). */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization');
  // Yarn classic's password login sends Basic credentials, which that route checks itself (auth/npm-basic.ts).
  if (header && /^Basic\s/i.test(header) && isNpmPasswordLogin(c.req.method, c.req.path)) {
    c.set('actor', null);
    return next();
  }
  c.set('actor', await actorFrom(c.get('registry'), header, c.get('ip')));
  return next();
};
