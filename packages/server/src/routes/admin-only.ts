import type { MiddlewareHandler } from 'hono';
import { assertAdmin } from '../access/users.js';
import type { AppEnv } from '../app-env.js';

/** Refuses anyone but a registry admin before the request is read (so before its body is validated). */
export const adminOnly =
  (what: string): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    assertAdmin(c.get('actor'), what);
    await next();
  };
