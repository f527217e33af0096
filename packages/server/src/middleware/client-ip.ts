import { pickClientAddress, type TrustProxy } from '../client-address.js';
import type { Ctx } from '../app-env.js';

/**
 * The caller's address, picked once per request (app.ts stores it as `ip`): token CIDR checks,
 * rate limits, login throttling and the audit log all read that one value.
 */
export function clientIp(c: Ctx, trust: TrustProxy): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const socket = incoming?.socket?.remoteAddress ?? 'unknown';
  return pickClientAddress(c.req.header('x-forwarded-for'), socket, trust);
}
