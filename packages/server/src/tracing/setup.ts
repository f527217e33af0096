import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { setTracingOn } from './index.js';

export interface Tracing {
  /** Where spans go, for the start-up log: the protocol and the traces URL (without a password). */
  describe: string;
  /** Exports what is still buffered and stops tracing; the last registry to close shuts the SDK down. */
  shutdown(): Promise<void>;
}

type Log = (level: 'info' | 'warn', msg: string) => void;

const PROTOCOLS = ['http/protobuf', 'http/json'];

/** Why tracing stays off though an endpoint is set, or null when it can start. */
export function tracingRefusal(env: NodeJS.ProcessEnv): string | null {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((e) => e.trim());
  if (!exporters.includes('otlp')) return `OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER} does not include otlp, the only exporter this registry has`;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol && !PROTOCOLS.includes(protocol))
    return `OTLP protocol ${protocol} is not supported; set OTEL_EXPORTER_OTLP_PROTOCOL to http/protobuf (the default) or http/json, and point the endpoint at the collector's OTLP/HTTP port (4318)`;
  return null;
}

/** How long a shutdown waits for the last spans to be exported. */
const SHUTDOWN_FLUSH_MS = 3000;

/** The SDK's diagnostics, which often carry an error serialized as JSON: its message alone. */
function diagMessage(msg: string): string {
  if (!msg.startsWith('{')) return msg;
  try {
    const parsed = JSON.parse(msg) as { message?: unknown };
    return typeof parsed.message === 'string' ? `spans not exported: ${parsed.message}` : msg;
  } catch {
    return msg;
  }
}

let shared: { tracing: Promise<Tracing | null>; users: number } | null = null;

/**
 * Starts exporting spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, and does nothing else otherwise: the SDK is imported
 * only here, only then. The SDK and exporter read the standard variables themselves (headers,
 * timeout, compression, OTEL_TRACES_SAMPLER, OTEL_BSP_*, OTEL_RESOURCE_ATTRIBUTES); the service
 * is named `unjucks-registry` unless OTEL_SERVICE_NAME says otherwise. One SDK per process, however
 * many registries it runs (tests): each start is matched by its shutdown.
 */
export async function startTracing(log: Log, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | null> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true') return null;
  const refusal = tracingRefusal(env);
  if (refusal) {
    log('warn', `tracing is off: ${refusal}`);
    return null;
  }
  if (shared) {
    shared.users++;
    return shared.tracing;
  }
  const current = { tracing: open(log, env), users: 1 };
  shared = current;
  return current.tracing;
}

async function open(log: Log, env: NodeJS.ProcessEnv): Promise<Tracing> {
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
  ]);
  // The SDK reports export failures (a collector that is down) through diag, silent by default.
  diag.setLogger(
    {
      error: (msg) => log('warn', `tracing: ${diagMessage(msg)}`),
      warn: (msg) => log('warn', `tracing: ${diagMessage(msg)}`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );
  // Later resources win: the registry's name over the SDK's default, the environment's over both.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'unjucks-registry' }))
    .merge(detectResources({ detectors: [hostDetector, processDetector, envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  // Registers the provider, AsyncLocalStorage context (a request's span is current in all it
  // awaits), and the W3C trace-context propagator (an incoming `traceparent` is continued).
  provider.register();
  setTracingOn(true);
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/$/, '')}/v1/traces`;
  return {
    describe: `OTLP ${protocol} to ${url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}`,
    async shutdown() {
      if (!shared || --shared.users > 0) return;
      shared = null;
      setTracingOn(false);
      // A collector that is away must neither fail the shutdown nor hold it past a few seconds
      // (the exporter retries for longer): the spans are lost, said once in the log.
      const gaveUp = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), SHUTDOWN_FLUSH_MS).unref());
      try {
        const outcome = await Promise.race([provider.shutdown(), gaveUp]);
        if (outcome === 'timeout') log('warn', `tracing: spans not exported within ${SHUTDOWN_FLUSH_MS} ms of shutdown were dropped`);
      } catch (e) {
        log('warn', `tracing: spans not exported at shutdown: ${(e as Error).message}`);
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
      }
    },
  };
}
