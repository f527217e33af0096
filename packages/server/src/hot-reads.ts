import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { PackageNameParams } from '@unjucks/core/api-schemas';
import { tryDecodeURIComponent } from 'hono/utils/url';
import type { App, ReadCtx } from './app-env.js';
import type { RegistryContext } from './registry/context.js';
import { partsOf, routingPath } from './app.js';
import { actorFrom, bearerToken } from './auth/middleware.js';
import { type Actor, actorNow, signatureKnown } from './auth/tokens.js';
import type { Answer } from './cache/send.js';
import { pickClientAddress } from './client-address.js';
import { requestIdFrom } from './middleware/request-log.js';
import { packumentAnswer, packumentNow } from './routes/npm/package-get.js';
import { packageDocAnswer, packageDocNow } from './routes/packages-get.js';
import { type HotResult, tarballAnswer, tarballNow } from './routes/tarball-get.js';
import { wantsHtml } from './web/index.js';

type Listener = (incoming: IncomingMessage, outgoing: ServerResponse) => unknown;

interface HotRoute {
  /** Runs the route's own param schema first (the native API validates its params). */
  params?: { safeParse(v: unknown): { success: boolean } };
  answer(c: ReadCtx): Promise<HotResult>;
  /**
   * The same answer without waiting, when everything it needs is in memory (the cached snapshot,
   * the encoded bytes, the tarball); undefined when it is not, and then `answer` runs.
   */
  now(c: ReadCtx): HotResult | undefined;
}

const noCount = async (a: Answer | Promise<Answer>) => ({ answer: await a, counted: null });
const uncounted = (a: Answer | undefined) => a && { answer: a, counted: null };

/**
 * The hot reads, by the route template the router picks for them: the functions their routes call,
 * so the answer is the same whichever way the request goes.
 */
export const HOT_ROUTES: ReadonlyMap<string, HotRoute> = new Map<string, HotRoute>([
  ['/:name', { answer: (c) => noCount(packumentAnswer(c)), now: (c) => uncounted(packumentNow(c)) }],
  ['/:name/-/:file', { answer: tarballAnswer, now: tarballNow }],
  ['/api/v1/packages/:name', { params: PackageNameParams, answer: (c) => packageDocAnswer(c).then(noCount), now: (c) => uncounted(packageDocNow(c)) }],
  ['/api/v1/packages/:name/-/:file', { params: PackageNameParams, answer: tarballAnswer, now: tarballNow }],
]);

// The URL node-server builds (`http://host` + the target) is the target as it came when both look
// like these: node-server's own plain set plus `%`, which URL leaves alone too except in an encoded
// dot (`%2e`, a dot segment to URL). The hot reads take only such targets, without a query.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_TARGET = /^\/[!#$%&-;=@-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)|%2e/i;

/**
 * The registry's request listener: the hot GETs (packuments, package documents, tarballs) are
 * answered here without building Hono's Request, Context and middleware chain, which cost about
 * half of a cached read's CPU; everything else, and every hot GET that is not plainly a success,
 * goes to `fallback` (Hono) untouched.
 *
 * The same functions as the middleware decide: the client address, the URL limit, the token and
 * its row (actorFrom), the rights and the cached snapshot (the route's answer function), the rate
 * limits (the app's own buckets), the request id, the log line and the metrics (the app's
 * recorder). Only a request that every one of them lets through is answered here; a refusal (401,
 * 403, 404, 429, 414) or an error falls back before anything is counted or written, and Hono then
 * refuses it exactly as before. While the change feed is not live (caches bypassed), every request
 * falls back.
 */
export function hotReads(app: App, fallback: Listener): Listener {
  const parts = partsOf(app);
  if (!parts?.limiters) return fallback;
  const { registry, recorder, limits, limiters, trust } = parts;
  const answered = parts.metrics?.hotReadCount('answered');
  const fellBack = parts.metrics?.hotReadCount('fallback');

  /**
   * The hot route a request target is for (null: not a hot read), as Hono would route it: its
   * routing path, then the first handler that is not middleware (as the request log names it),
   * then its params as c.req.param reads them, validated by the route's own schema.
   */
  function hotRouteOf(url: string) {
    const path = routingPath(url);
    const [handlers, stash] = app.router.match('GET', path) as [[[unknown, { method: string; path: string }], Record<string, unknown>][], unknown[]?];
    const matched = handlers.find(([[, r]]) => r.method !== 'ALL');
    const hot = matched && HOT_ROUTES.get(matched[0][1].path);
    if (!matched || !hot) return null;
    const params: Record<string, string | undefined> = {};
    for (const [key, k] of Object.entries(matched[1])) {
      const raw = (stash ? stash[k as number] : k) as string | undefined;
      params[key] = raw && tryDecodeURIComponent(raw);
    }
    if (hot.params && !hot.params.safeParse({ name: params.name }).success) return null;
    return { hot, route: matched[0][1].path, path, params };
  }
  // The route table is fixed once the app serves, so what a target routes to (or that it is not a
  // plain target) is too: kept for the targets read over and over (a bounded set, dropped whole when full).
  const routes = new Map<string, ReturnType<typeof hotRouteOf>>();

  // The host a client sends is the same on every request: tested once while it stays the same.
  let lastHost: string | undefined;
  let lastHostPlain = false;

  /** The hot route this request is for, or null when it must go through Hono. */
  function routeOf(incoming: IncomingMessage) {
    if (incoming.method !== 'GET' || !registry.changes?.live) return null;
    const host = incoming.headers.host;
    const target = incoming.url;
    if (!host || !target) return null;
    if (host !== lastHost) {
      lastHostPlain = PLAIN_HOST.test(host);
      lastHost = host;
    }
    // urlWithinLimit of `http://${host}${target}` (the URL node-server builds), without building it.
    if (!lastHostPlain || 7 + host.length + target.length > limits.maxUrlLength) return null;
    // Browsers asking for a package get its web page (web/index.tsx).
    if (wantsHtml(incoming.headers.accept)) return null;
    let r = routes.get(target);
    if (r === undefined) {
      if (routes.size >= 1000) routes.clear();
      const plain = PLAIN_TARGET.test(target) && !target.includes('?') && !DOT_SEGMENT.test(target);
      routes.set(target, (r = plain ? hotRouteOf(`http://${host}${target}`) : null));
    }
    return r;
  }

  /**
   * Answers the request without waiting and says true; or says false having written and counted
   * nothing (Hono answers it); or null when something it needs is not in memory (then `answer`).
   * It decides as `answer` does, from the caches alone: a token verified before whose row this
   * replica's cache vouches for and that needs no write, the snapshot, the bytes.
   */
  function answerNow(incoming: IncomingMessage, outgoing: ServerResponse, r: NonNullable<ReturnType<typeof routeOf>>): boolean | null {
    const t0 = performance.now();
    const headers = incoming.headers;
    const ip = pickClientAddress(headers['x-forwarded-for'] as string | undefined, incoming.socket.remoteAddress ?? 'unknown', trust);
    let actor: Actor | null = null;
    if (headers.authorization) {
      const known = actorNow(registry.db, headers.authorization, ip);
      if (!known) return null;
      actor = known;
    }
    let result: HotResult | undefined;
    try {
      result = r.hot.now(new HotCtx(incoming, r.params, registry, actor));
    } catch {
      return false;
    }
    return result ? send(incoming, outgoing, r, ip, actor, result, t0) : null;
  }

  /** Answers the request and says true, or says false having written and counted nothing. */
  async function answer(incoming: IncomingMessage, outgoing: ServerResponse, r: NonNullable<ReturnType<typeof routeOf>>): Promise<boolean> {
    const t0 = performance.now();
    const headers = incoming.headers;
    const ip = pickClientAddress(headers['x-forwarded-for'] as string | undefined, incoming.socket.remoteAddress ?? 'unknown', trust);
    let actor: Actor | null;
    let result: HotResult;
    try {
      // A token seen for the first time goes through Hono, which verifies and remembers its
      // signature: a bad token is never verified twice (here, then again there).
      if (headers.authorization && !signatureKnown(bearerToken(headers.authorization))) return false;
      actor = await actorFrom(registry, headers.authorization, ip);
      result = await r.hot.answer(new HotCtx(incoming, r.params, registry, actor));
    } catch {
      return false;
    }
    return send(incoming, outgoing, r, ip, actor, result, t0);
  }

  /** Writes an answer that every check let through, unless a rate limit refuses it (then false, nothing counted). */
  function send(
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    r: NonNullable<ReturnType<typeof routeOf>>,
    ip: string,
    actor: Actor | null,
    result: HotResult,
    t0: number,
  ): boolean {
    const { answer: a, counted } = result;
    // Counted only now, in one turn with the answer: a refusal leaves both buckets as they were.
    if (!limiters.perIp.allows(ip) || (actor && !limiters.perToken.allows(actor.jti))) {
      cancel(a.body);
      return false;
    }
    limiters.perIp.take(ip);
    if (actor) limiters.perToken.take(actor.jti);
    counted?.();
    const requestId = requestIdFrom(headerOf(incoming, 'x-request-id'));
    // The answer's headers are shared (kept with the rendering): the request id goes on a copy.
    const head = a.flat.slice();
    head.push('X-Request-Id', requestId);
    outgoing.writeHead(a.status, head);
    if (a.body === null || a.body instanceof Uint8Array) outgoing.end(a.body);
    else
      Readable.fromWeb(a.body as import('node:stream/web').ReadableStream)
        .on('error', (e) => outgoing.destroy(e))
        .pipe(outgoing);
    recorder.record({ requestId, method: 'GET', route: r.route, path: r.path, status: a.status, t0, actor });
    return true;
  }

  return (incoming, outgoing) => {
    let r: ReturnType<typeof routeOf>;
    try {
      r = routeOf(incoming);
    } catch {
      // Nothing here may take the process down: whatever a request is, Hono answers it then.
      r = null;
    }
    if (!r) return fallback(incoming, outgoing);
    const pass = () => {
      fellBack?.inc();
      fallback(incoming, outgoing);
    };
    let now: boolean | null;
    try {
      now = answerNow(incoming, outgoing, r);
    } catch {
      if (!outgoing.headersSent) pass();
      return;
    }
    if (now === true) answered?.inc();
    else if (now === false) pass();
    else
      answer(incoming, outgoing, r).then(
        (done) => (done ? answered?.inc() : pass()),
        () => outgoing.headersSent || pass(),
      );
  };
}

/** The request as the route answer functions read it (ReadCtx), straight from node's message. */
class HotCtx implements ReadCtx {
  readonly req: ReadCtx['req'];
  constructor(
    incoming: IncomingMessage,
    params: Record<string, string | undefined>,
    private readonly registry: RegistryContext,
    private readonly actor: Actor | null,
  ) {
    this.req = new HotReq(incoming, params);
  }
  get(key: 'registry'): RegistryContext;
  get(key: 'actor'): Actor | null;
  get(key: 'registry' | 'actor') {
    return key === 'registry' ? this.registry : this.actor;
  }
}

class HotReq {
  constructor(
    private readonly incoming: IncomingMessage,
    private readonly params: Record<string, string | undefined>,
  ) {}
  header(name: string) {
    return headerOf(this.incoming, name);
  }
  query(_name: string): string | undefined {
    return undefined;
  }
  param(name: string) {
    return this.params[name];
  }
}

/** A request header as Hono's c.req.header reads it (node joins repeated ones). */
function headerOf(incoming: IncomingMessage, name: string): string | undefined {
  const v = incoming.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

function cancel(body: Answer['body']) {
  if (body && !(body instanceof Uint8Array)) body.cancel().catch(() => undefined);
}
