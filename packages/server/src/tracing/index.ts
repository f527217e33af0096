import { context, INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type TimeInput } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/**
 * OpenTelemetry spans, made only while an exporter is set up (tracing/setup.ts, when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set). Every instrumentation point checks `tracingOn` before it
 * builds a span or even its attributes, and the wrappers (requests, queries, search) are not
 * installed at all when it is false: with tracing off the registry pays one branch where it would
 * make a span, and loads no SDK. Only @opentelemetry/api is imported here, which does nothing
 * until a provider is registered.
 */
export let tracingOn = false;

/** Set by setup.ts once its provider is registered, and back to false when it is shut down. */
export function setTracingOn(on: boolean) {
  tracingOn = on;
}

/** The instrumentation scope every registry span is made under. */
export const tracer = trace.getTracer('unjucks-registry');

const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Marks a span failed with the error that ended it (its type and message, never request data). */
export function failSpan(span: Span, e: unknown) {
  if (e instanceof Error) span.recordException(e);
  span.setAttribute(ATTR_ERROR_TYPE, e instanceof Error ? e.constructor.name : 'unknown');
  span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
}

/**
 * Runs `fn` inside a span named `name`, a child of the current one, made current for whatever `fn`
 * awaits (its queries, its blob reads). A throw marks the span failed and goes on. Without tracing
 * it only calls `fn` (with a span that records nothing); hot callers check `tracingOn` themselves
 * so as not to build `attributes` for nothing.
 */
export async function span<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T> | T): Promise<T> {
  if (!tracingOn) return fn(NO_SPAN);
  return tracer.startActiveSpan(name, { attributes }, async (s) => {
    try {
      return await fn(s);
    } catch (e) {
      failSpan(s, e);
      throw e;
    } finally {
      s.end();
    }
  });
}

/** Whether something is being traced here and now (a request, a publish): a child span would have a parent. */
export const tracingActive = () => tracingOn && trace.getSpan(context.active()) !== undefined;

/**
 * A span only when something is being traced already (a request, a publish): the database and
 * blob store are also used by background loops (webhook delivery, download counts, the search
 * index), whose every poll would otherwise be a trace of its own.
 */
export function childSpan(name: string, kind: SpanKind, attributes: Attributes): Span | null {
  if (!tracingActive()) return null;
  return tracer.startSpan(name, { kind, attributes });
}

/** A span for a stretch of time already measured (a publish phase, from its PhaseTimer marks). */
export function pastSpan(name: string, start: TimeInput, end: TimeInput, attributes: Attributes = {}) {
  if (!tracingOn) return;
  tracer.startSpan(name, { startTime: start, attributes }).end(end);
}

export { SpanKind };
