import { getConnInfo } from '@hono/node-server/conninfo';
import { pickClientAddress, type TrustProxy } from '../client-address.js';
import type { Ctx } from '../app-env.js';

/** The socket's address; 'unknown' when there is no socket (a request made in process, with app.request()). */
function socketAddress(c: Ctx): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The caller's address, picked once per request (app.ts stores it as `ip`): token CIDR checks,
 * rate limits, login throttling and the audit log all read that one value.
 */
export function clientIp(c: Ctx, trust: TrustProxy): string {
  return pickClientAddress(c.req.header('x-forwarded-for'), socketAddress(c), trust);
}
