import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { logPath } from '../log.js';
import { failSpan, tracer, tracingOn } from './index.js';

type Listener = (incoming: IncomingMessage, outgoing: ServerResponse) => unknown;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);
/** The server span of each request being answered, so only it is renamed (not a child made current). */
const requestSpans = new WeakSet<Span>();

/**
 * One server span per HTTP request, around the whole listener: the hot reads (hot-reads.ts) and
 * Hono alike, and a hot read that falls back to Hono stays one span. It continues the caller's
 * trace (W3C `traceparent`), is current for everything the request does (queries, publish phases,
 * search), and ends when the response is written or the connection goes. Named by the method until
 * the request log knows the route (nameRequestSpan). Without tracing the listener is returned as it is.
 */
export function traceRequests(listener: Listener): Listener {
  if (!tracingOn) return listener;
  return (incoming, outgoing) => {
    const parent = propagation.extract(ROOT_CONTEXT, incoming.headers);
    const method = incoming.method && METHODS.has(incoming.method) ? incoming.method : '_OTHER';
    const target = incoming.url ?? '/';
    const q = target.indexOf('?');
    const span = tracer.startSpan(
      method === '_OTHER' ? 'HTTP' : method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          // The path as the log writes it (a logout's token redacted); the query is left out, as in the log.
          [ATTR_URL_PATH]: logPath(q < 0 ? target : target.slice(0, q)),
          [ATTR_URL_SCHEME]: 'http',
          ...(incoming.headers['user-agent'] ? { [ATTR_USER_AGENT_ORIGINAL]: incoming.headers['user-agent'] } : {}),
        },
      },
      parent,
    );
    requestSpans.add(span);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const status = outgoing.statusCode;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      // A server span fails on 5xx only: a 4xx is the client's mistake, answered as it should be.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!outgoing.writableFinished) failSpan(span, new Error('the connection closed before the response was sent'));
      span.end();
    };
    outgoing.once('finish', end);
    outgoing.once('close', end);
    context.with(trace.setSpan(parent, span), listener, undefined, incoming, outgoing);
  };
}

/**
 * Names the current request's span by the route that answered (`GET /:name`, a bounded set) and
 * ties it to the log line by its request id; called by the request recorder, which both the hot
 * reads and the middleware go through.
 */
export function nameRequestSpan(method: string, route: string, requestId: string) {
  const span = trace.getActiveSpan();
  if (!span || !requestSpans.has(span)) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.setAttribute('unjucks.request_id', requestId);
}

/** Records an unhandled error on the current request's span (the error handler's 500s and 503s). */
export function recordRequestError(e: unknown) {
  const span = trace.getActiveSpan();
  if (span && requestSpans.has(span)) failSpan(span, e);
}
