import { InputError } from '@unjucks/core';

/**
 * npm's CouchDB-style password login, `PUT /-/user/org.couchdb.user:NAME`. Yarn classic sends it
 * with `Authorization: Basic base64(NAME:PASSWORD)` beside the password in the body (every
 * `yarn publish` without a token does). It is the one request where a Basic header is taken,
 * and only as the login's own credentials: the route checks that password like any login, and the
 * request acts as no one until then. Everywhere else a Basic header is a 401.
 */
export const isNpmPasswordLogin = (method: string, path: string) => method === 'PUT' && /^\/-\/user\/org\.couchdb\.user:[^/]+$/.test(path);

/** The name and password of a Basic header; null for no header or a bearer token. */
export function basicCredentials(header: string | undefined): { name: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) throw new InputError('the Basic Authorization header must hold "name:password"', 'unauthorized');
  return { name: text.slice(0, colon), password: text.slice(colon + 1) };
}
