import { InputError } from '@unjucks/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { isNpmPasswordLogin } from './npm-basic.js';
import { verifyToken } from './tokens.js';

/**
 * Sets `actor` from a bearer token. No header means anonymous (reads are public); a header with a
 * bad token is always a 401, so a client never silently acts as anonymous.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization');
  if (!header) {
    c.set('actor', null);
    return next();
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) {
    // Yarn classic's password login: the route checks the Basic credentials (auth/npm-basic.ts).
    if (/^Basic\s/i.test(header) && isNpmPasswordLogin(c.req.method, c.req.path)) return next();
    throw new InputError('the Authorization header must be "Bearer <token>"', 'unauthorized');
  }
  const registry = c.get('registry');
  c.set('actor', await verifyToken(registry.db, registry.keys, m[1]!, c.get('ip')));
  return next();
};
