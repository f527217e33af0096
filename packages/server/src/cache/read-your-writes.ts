import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * After a request that may have written, waits until this replica's change feed has heard every
 * notification committed so far, so the writer's next request here is answered from caches that
 * already know of its write. Reads pass straight through.
 */
export const readYourWrites: MiddlewareHandler<AppEnv> = (c, next) => {
  const method = c.req.method;
  // A read passes straight through, without even an async frame of its own.
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
  return afterWrite(c, next);
};

const afterWrite: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // A refused request stored nothing (writes are all-or-nothing): no round trip for it, so a flood
  // of refused requests costs the database nothing more.
  if (c.res.status >= 400) return;
  // A publish that waited for its own notice (ChangeFeed.hearing) already holds what the barrier would.
  if (c.get('writeHeard')) return;
  const registry = c.get('registry');
  await registry.changes?.barrier(registry.db);
};
