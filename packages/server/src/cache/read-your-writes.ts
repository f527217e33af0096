import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * After a request that may have written, waits until this replica's change feed has heard every
 * notification committed so far, so the writer's next request here is answered from caches that
 * already know of its write. Reads pass straight through.
 */
export const readYourWrites: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const method = c.req.method;
  // A refused request stored nothing (writes are all-or-nothing): no round trip for it, so a flood
  // of refused requests costs the database nothing more.
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || c.res.status >= 400) return;
  const registry = c.get('registry');
  await registry.changes?.barrier(registry.db);
};
