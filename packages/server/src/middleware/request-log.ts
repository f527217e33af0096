import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import { logPath, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { AppEnv } from '../app-env.js';

const ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it is sane), echoes it, and logs one
 * line when the response is ready: method, route template, status, duration and actor.
 */
export function requestLog(logger: Logger, metrics?: Metrics): MiddlewareHandler<AppEnv> {
  // Label children bound once per method, route template and status (a bounded set): prom-client
  // otherwise hashes a label object on every request.
  const children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming && ID_RE.test(incoming) ? incoming : randomUUID();
    c.header('X-Request-Id', id);
    const t0 = performance.now();
    await next();
    // Responses built through the context carry the id already; only one built elsewhere (a limit's
    // early answer) lacks it. Setting a header on a finished response makes Hono rebuild it as a full
    // Response with a stream body, which cost more than the rest of a cached read: do it only then.
    if (!c.res.headers.has('x-request-id')) c.header('X-Request-Id', id);
    const actor = c.get('actor');
    // The route template, not the path: a bounded label set, and no names leak into metrics.
    // The first handler (not middleware) that matched answered: npm's catch-all routes match too.
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL')?.path ?? routePath(c, -1);
    const seconds = (performance.now() - t0) / 1000;
    if (metrics) {
      const status = c.res.status;
      const method = c.req.method;
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (!child) {
        child = { count: metrics.httpRequests.labels(method, route, String(status)), time: metrics.httpDuration.labels(method, route) };
        children.set(key, child);
      }
      child.count.inc();
      child.time.observe(seconds);
    }
    logger.log(c.res.status >= 500 ? 'error' : 'info', 'request', {
      requestId: id,
      method: c.req.method,
      route,
      path: logPath(c.req.path),
      status: c.res.status,
      durationMs: Math.round((performance.now() - t0) * 100) / 100,
      actor: actor?.userName ?? null,
    });
  };
}
