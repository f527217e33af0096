import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { metric } from './helpers/metrics.js';
import { packageTarball } from './helpers/packages.js';
import { ROOT } from './helpers/paths.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** One span as the OTLP/HTTP JSON exporter sends it, its attributes flattened. */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  /** Nanoseconds since the epoch (JSON carries them as strings or numbers; read as bigint). */
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  status?: { code?: number };
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
}
const SERVER = 2;
const CLIENT = 3;

type OtlpAttribute = { key: string; value: Record<string, unknown> };
const flat = (attrs: OtlpAttribute[] = []) => Object.fromEntries(attrs.map((a) => [a.key, Object.values(a.value)[0]]));

/** Every span the collector has received so far. */
function spansOf(collector: Receiver): ExportedSpan[] {
  const out: ExportedSpan[] = [];
  for (const r of collector.received) {
    for (const rs of r.json?.resourceSpans ?? []) {
      const resource = flat(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          out.push({
            ...s,
            startTimeUnixNano: BigInt(s.startTimeUnixNano),
            endTimeUnixNano: BigInt(s.endTimeUnixNano),
            attributes: flat(s.attributes),
            events: (s.events ?? []).map((e: { name: string; attributes?: OtlpAttribute[] }) => ({ name: e.name, attributes: flat(e.attributes) })),
            resource,
          });
    }
  }
  return out;
}

/** Waits (bounded) until `find` finds what the collector should have received by now. */
async function waitFor<T>(what: string, find: () => T | undefined | false): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() - t0 > 10_000) throw new Error(`no ${what} after 10 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The spans of one trace, once `done` says they are all there. */
const traceOf = (collector: Receiver, traceId: string, done: (spans: ExportedSpan[]) => boolean) =>
  waitFor(`complete trace ${traceId}`, () => {
    const spans = spansOf(collector).filter((s) => s.traceId === traceId);
    return done(spans) && spans;
  });

/** A fresh W3C trace context, as a caller (a proxy, npm) would send it. */
function traceparent() {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
}

/** Whether `span` has `ancestor` above it in `spans`. */
function under(spans: ExportedSpan[], span: ExportedSpan, ancestor: ExportedSpan): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let p = span.parentSpanId; p; p = byId.get(p)?.parentSpanId) if (p === ancestor.spanId) return true;
  return false;
}

/** An OTLP/HTTP collector on loopback: accepts POST /v1/traces and keeps the JSON bodies. */
const startCollector = () => startReceiver((_n, _req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));

describe.each(BACKENDS)('OpenTelemetry tracing on $label', (backend) => {
  let collector: Receiver;
  let s: TestServer;
  const name = `traced-${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    collector = await startCollector();
    s = await startTestServer(backend, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Exported within 50 ms, so the test waits little.
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
  });
  afterAll(async () => {
    await s?.destroy();
    await collector?.close();
  });
  const auth = () => ({ authorization: `Bearer ${s.adminToken}` });

  it('posts to /v1/traces under the service name unjucks-registry', async () => {
    await fetch(`${s.url}/health`);
    const [first] = await waitFor('span', () => spansOf(collector).length > 0 && spansOf(collector));
    expect(collector.received[0]!.path).toBe('/v1/traces');
    expect(first!.resource['service.name']).toBe('unjucks-registry');
    expect(s.stdout()).toContain(`tracing: exporting spans over OTLP http/json to ${collector.url}/v1/traces`);
  });

  it('a publish: one server span continuing the caller trace, its phases, queries and blob write under it', async () => {
    const tp = traceparent();
    const res = await fetch(`${s.api}/packages`, {
      method: 'POST',
      body: packageTarball(name, '1.0.0') as unknown as BodyInit,
      headers: { 'content-type': 'application/octet-stream', ...auth(), traceparent: tp.header, 'x-request-id': 'traced-publish-1' },
    });
    expect(res.status).toBe(201);
    const spans = await traceOf(collector, tp.traceId, (ss) => ss.some((x) => x.kind === SERVER) && ss.some((x) => x.name === 'publish.after-change'));
    const request = spans.find((x) => x.kind === SERVER)!;
    expect(request.name).toBe('POST /api/v1/packages');
    expect(request.parentSpanId).toBe(tp.parentId);
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v1/packages',
      'http.response.status_code': 201,
      'url.path': '/api/v1/packages',
      'unjucks.request_id': 'traced-publish-1',
    });

    // The Server-Timing phases, each a span under the request's and within its time.
    const timing = res.headers.get('server-timing')!;
    for (const phase of ['read', 'validate', 'checks', 'blob', 'tx', 'after-change']) {
      expect(timing).toContain(`${phase};dur=`);
      const p = spans.find((x) => x.name === `publish.${phase}`);
      expect(p, `publish.${phase}`).toBeDefined();
      expect(under(spans, p!, request)).toBe(true);
      expect(p!.startTimeUnixNano).toBeGreaterThanOrEqual(request.startTimeUnixNano);
      expect(p!.endTimeUnixNano).toBeLessThanOrEqual(request.endTimeUnixNano);
      expect(p!.endTimeUnixNano).toBeGreaterThanOrEqual(p!.startTimeUnixNano);
    }
    // The blob write inside its phase.
    const put = spans.find((x) => x.name === 'blob put')!;
    expect(put.kind).toBe(CLIENT);
    expect(under(spans, put, spans.find((x) => x.name === 'publish.blob')!)).toBe(true);

    // Each query a client span under the request, inside the transaction when it is in one.
    const queries = spans.filter((x) => x.attributes['db.system.name'] === 'postgresql' && x.kind === CLIENT);
    expect(queries.length).toBeGreaterThan(3);
    for (const q of queries) {
      expect(under(spans, q, request)).toBe(true);
      expect(q.name).toBe(q.attributes['db.query.summary']);
      expect(q.attributes['db.system']).toBe('postgresql');
    }
    const insert = queries.find((q) => q.name === 'INSERT versions')!;
    expect(insert.attributes).toMatchObject({ 'db.operation.name': 'INSERT', 'db.collection.name': 'versions' });
    expect(under(spans, insert, spans.find((x) => x.name === 'db.transaction')!)).toBe(true);
    // Statements with placeholders, and never their values: the name or the token published with.
    for (const q of queries) expect(JSON.stringify(q.attributes)).not.toContain(name);
    expect(String(queries.find((q) => q.name === 'SELECT packages')?.attributes['db.query.text'])).toMatch(/\$1/);
  });

  it('a hot packument read (answered before Hono): a server span named by its route', async () => {
    await live(s);
    // A token's first read goes through Hono (which verifies its signature); the next ones are hot.
    await (await fetch(`${s.url}/${name}`, { headers: auth() })).arrayBuffer();
    const hotBefore = await metric(s, 'unjucks_hot_reads_total{result="answered"}');
    const tp = traceparent();
    const res = await fetch(`${s.url}/${name}`, { headers: { ...auth(), accept: 'application/vnd.npm.install-v1+json', traceparent: tp.header } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await metric(s, 'unjucks_hot_reads_total{result="answered"}')).toBe(hotBefore + 1);
    const spans = await traceOf(collector, tp.traceId, (ss) => ss.some((x) => x.kind === SERVER));
    const request = spans.find((x) => x.kind === SERVER)!;
    expect(request.name).toBe('GET /:name');
    expect(request.parentSpanId).toBe(tp.parentId);
    expect(request.attributes).toMatchObject({ 'http.route': '/:name', 'http.response.status_code': 200, 'url.path': `/${name}` });
  });

  it('a search: its span under the request, with the engine, the query length and the hit count', async () => {
    const tp = traceparent();
    const res = await fetch(`${s.api}/search?q=${name}`, { headers: { traceparent: tp.header } });
    expect(res.status).toBe(200);
    const spans = await traceOf(collector, tp.traceId, (ss) => ss.some((x) => x.kind === SERVER) && ss.some((x) => x.name === 'search'));
    const request = spans.find((x) => x.kind === SERVER)!;
    const search = spans.find((x) => x.name === 'search')!;
    expect(request.name).toBe('GET /api/v1/search');
    expect(search.parentSpanId).toBe(request.spanId);
    expect(search.attributes).toMatchObject({ 'search.query.length': name.length, 'search.results.total': 1, 'search.results.returned': 1 });
    expect(['memory', 'postgres']).toContain(search.attributes['search.engine']);
    // The query string is not recorded.
    expect(JSON.stringify(request.attributes)).not.toContain(name);
  });

  it('a request without traceparent starts its own trace; a 404 is not an error', async () => {
    const res = await fetch(`${s.api}/packages/no-such-${name}`, { headers: { 'x-request-id': `missing-${name}` } });
    expect(res.status).toBe(404);
    const request = await waitFor('request span', () => spansOf(collector).find((x) => x.attributes['unjucks.request_id'] === `missing-${name}`));
    expect(request.name).toBe('GET /api/v1/packages/:name');
    expect(request.parentSpanId ?? '').toBe('');
    expect(request.attributes['http.response.status_code']).toBe(404);
    expect(request.status?.code ?? 0).not.toBe(2);
  });

  it('nothing exported says the token', () => {
    const all = collector.received.map((r) => r.body).join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(s.adminToken);
    // Nor its signature alone.
    expect(all).not.toContain(s.adminToken.split('.').pop());
  });
});

describe('OpenTelemetry tracing, off and on shutdown', () => {
  it('without OTEL_EXPORTER_OTLP_ENDPOINT: no SDK is loaded and the tracer provider is the no-op one', async () => {
    const probe = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE, `${ROOT}packages/server/dist`], {
        env: { PATH: process.env.PATH ?? '', ...env },
      }).then((r) => JSON.parse(r.stdout) as { on: boolean; provider: string; sdkModules: number });
    expect(await probe({})).toEqual({ on: false, provider: 'NoopTracerProvider', sdkModules: 0 });
    // OTEL_SDK_DISABLED wins over an endpoint, as the specification says; so does a protocol or
    // an exporter this registry does not have (with a warning at start).
    const offs: Record<string, string>[] = [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }];
    for (const off of offs) expect(await probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', ...off })).toMatchObject({ on: false, sdkModules: 0 });
    // The probe tells: with the endpoint set, the SDK is there.
    const on = await probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(on).toMatchObject({ on: true, provider: 'NodeTracerProvider' });
    expect(on.sdkModules).toBeGreaterThan(0);
  });

  it('over the default protocol (http/protobuf), spans still buffered when the server stops are exported before it exits', async () => {
    const collector = await startCollector();
    // Never exported on a timer: only the shutdown's flush can send them.
    const s = await startTestServer(FAST, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    try {
      const route = `/-/whoami`;
      expect((await fetch(`${s.url}${route}`, { headers: { authorization: `Bearer ${s.adminToken}` } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(collector.received).toEqual([]);
      expect(await s.signal('SIGTERM')).toBe(0);
      const posts = collector.received.filter((r) => r.path === '/v1/traces');
      expect(posts.length).toBeGreaterThan(0);
      expect(posts[0]!.headers['content-type']).toBe('application/x-protobuf');
      // Protobuf keeps strings as they are: the span's name and the service's are in the body.
      expect(posts.some((p) => p.body.includes(`GET ${route}`))).toBe(true);
      expect(posts[0]!.body).toContain('unjucks-registry');
    } finally {
      await s.destroy();
      await collector.close();
    }
  });

  it('a collector that cannot be reached costs a warning, not a request nor the shutdown', async () => {
    const gone = await startCollector();
    await gone.close();
    const s = await startTestServer(FAST, { OTEL_EXPORTER_OTLP_ENDPOINT: gone.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}/-/ping`)).status).toBe(200);
      expect(await s.signal('SIGTERM')).toBe(0);
      // The exporter retries for a while: the warning is its failure, or the shutdown giving up on it.
      expect(s.stdout()).toMatch(/"level":"warn","msg":"tracing: spans not exported/);
    } finally {
      await s.destroy();
    }
  });
});

/** Starts soonest: Postgres when the tests have it (PGlite migrates a fresh folder for seconds). */
const FAST = BACKENDS.find((b) => b.db === 'postgres') ?? BACKENDS[0]!;

/** Runs setup the way the server does, then says whether tracing is on, which provider is global and how many SDK modules were loaded. */
const PROBE = `
import { createRequire } from 'node:module';
const dist = process.argv[1];
const { startTracing } = await import(dist + '/tracing/setup.js');
const tracing = await import(dist + '/tracing/index.js');
await startTracing(() => undefined);
const require = createRequire(dist + '/tracing/setup.js');
const { trace } = require('@opentelemetry/api');
const sdkModules = Object.keys(require.cache).filter((k) => /@opentelemetry[+/](sdk-|exporter-|resources)/.test(k)).length;
console.log(JSON.stringify({ on: tracing.tracingOn, provider: trace.getTracerProvider().getDelegate().constructor.name, sdkModules }));
process.exit(0);
`;

/** Hot reads are answered before Hono only while the caches are live. */
async function live(t: TestServer) {
  const t0 = Date.now();
  while ((await metric(t, 'unjucks_cache_live')) !== 1) {
    if (Date.now() - t0 > 5000) throw new Error('caches not live');
    await new Promise((r) => setTimeout(r, 20));
  }
}
