import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import { logPath, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { AppEnv, Ctx } from '../app-env.js';
import { tracingOn } from '../tracing/index.js';
import { nameRequestSpan } from '../tracing/http.js';

const ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Responses that were built with X-Request-Id among their headers (see respondWithId). */
const carriesId = new WeakSet<Response>();

/**
 * A response with plain headers and the request id among them, for the hot reads (cache/send.ts).
 * Through the context (c.header before the handler, then c.body) the headers become a Headers
 * object, checked and copied entry by entry: a sixth of a cached read's CPU. With a plain object
 * @hono/node-server writes them straight to the socket.
 */
export function respondWithId(c: Ctx, body: Uint8Array | ReadableStream | null, status: number, headers: Record<string, string>): Response {
  // A Buffer (any Uint8Array) is a body Response takes; DOM's BodyInit only names the ArrayBuffer-backed one.
  const data = body as BodyInit | null;
  const id = c.get('requestId');
  if (id === undefined) return new Response(data, { status, headers });
  // The callers build `headers` for this response alone: add to it rather than copy it.
  headers['X-Request-Id'] = id;
  const res = new Response(data, { status, headers });
  carriesId.add(res);
  return res;
}

/**
 * Echoes the id on a response built without it. Its headers are set in place; Hono's c.header on a
 * finished response would rebuild it with a stream body, so that is only the fallback for a
 * response whose headers cannot change (one passed through from fetch).
 */
function addRequestId(c: Ctx, id: string) {
  try {
    c.res.headers.set('X-Request-Id', id);
  } catch {
    c.header('X-Request-Id', id);
  }
}

/** The caller's X-Request-Id when it is sane, else a fresh one: the id every log line and answer carries. */
export const requestIdFrom = (incoming: string | undefined): string => (incoming && ID_RE.test(incoming) ? incoming : randomUUID());

/** What one request's log line and metrics say about it. */
export interface RequestRecord {
  requestId: string;
  method: string;
  /** The route template that answered: a bounded label set, and no names leak into metrics. */
  route: string;
  path: string;
  status: number;
  /** performance.now() when the request began. */
  t0: number;
  actor: { userName: string } | null;
  /** A write's phases (its Server-Timing header: read, validate, blob, tx, ...), so the log shows where its time went. */
  timing?: string | null;
}

/**
 * Writes each request's log line and metrics; one per app, shared by the middleware below and the
 * hot reads that skip the framework (hot-reads.ts), so both are recorded alike.
 */
export class RequestRecorder {
  // Label children bound once per method, route template and status (a bounded set): prom-client
  // otherwise hashes a label object on every request.
  // Keyed by route template, then method and status, so that no key string is built per request.
  private readonly children = new Map<string, Map<string, { count: { inc(): void }; time: { observe(v: number): void } }[]>>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {}

  record(r: RequestRecord) {
    const ms = performance.now() - r.t0;
    if (tracingOn) nameRequestSpan(r.method, r.route, r.requestId);
    if (this.metrics) {
      let byMethod = this.children.get(r.route);
      if (!byMethod) this.children.set(r.route, (byMethod = new Map()));
      let byStatus = byMethod.get(r.method);
      if (!byStatus) byMethod.set(r.method, (byStatus = []));
      let child = byStatus[r.status];
      if (!child) {
        child = { count: this.metrics.requestCount(r.method, r.route, r.status), time: this.metrics.httpDuration.labels(r.method, r.route) };
        byStatus[r.status] = child;
      }
      child.count.inc();
      child.time.observe(ms / 1000);
    }
    const level = r.status >= 500 ? 'error' : 'info';
    // Below the log level (LOG_LEVEL=warn) the line's fields are not even built.
    if (this.logger.enabled?.(level) === false) return;
    this.logger.log(level, 'request', {
      requestId: r.requestId,
      method: r.method,
      route: r.route,
      path: logPath(r.path),
      status: r.status,
      durationMs: Math.round(ms * 100) / 100,
      actor: r.actor?.userName ?? null,
      ...(r.timing ? { timing: r.timing } : {}),
    });
  }
}

/**
 * Gives every request an id (the caller's X-Request-Id when it is sane), echoes it, and logs one
 * line when the response is ready: method, route template, status, duration and actor.
 */
export function requestLog(recorder: RequestRecorder): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', id);
    const t0 = performance.now();
    await next();
    if (!carriesId.has(c.res)) addRequestId(c, id);
    // The first handler (not middleware) that matched answered: npm's catch-all routes match too.
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL')?.path ?? routePath(c, -1);
    const method = c.req.method;
    // Reads skip the header lookup; a search's timing is in its answer, and reads are the many.
    const timing = method === 'GET' || method === 'HEAD' ? null : c.res.headers.get('server-timing');
    recorder.record({ requestId: id, method, route, path: c.req.path, status: c.res.status, t0, actor: c.get('actor'), timing });
  };
}
