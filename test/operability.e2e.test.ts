import { rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe.each(BACKENDS)('operability on $label', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { METRICS_TOKEN: 'metrics-secret' });
  });
  afterAll(() => server?.destroy());

  const logLines = () =>
    server
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const mine = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const made = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const notFound = await fetch(`${server.api}/packages/nope`);
    expect(notFound.headers.get('x-request-id')).toBeTruthy();
    // The error body names the same id as the header.
    expect(((await notFound.json()) as { requestId?: string }).requestId).toBe(notFound.headers.get('x-request-id'));
  });

  it('echoes X-Request-Id on the cached reads too: documents, their 304s and tarballs, with a token', async () => {
    expect((await publishRaw(server.api, server.adminToken, packageTarball('echoed-pkg', '1.0.0'))).status).toBe(201);
    const auth = { authorization: `Bearer ${server.adminToken}` };
    const urls = [`${server.api}/packages/echoed-pkg`, `${server.url}/echoed-pkg`, `${server.api}/packages/echoed-pkg/-/echoed-pkg-1.0.0.tgz`];
    for (const [i, url] of urls.entries()) {
      const first = await fetch(url, { headers: { ...auth, 'x-request-id': `hot-${i}` } });
      expect(first.status, url).toBe(200);
      expect(first.headers.get('x-request-id'), url).toBe(`hot-${i}`);
      const etag = first.headers.get('etag')!;
      await first.arrayBuffer();
      const again = await fetch(url, { headers: { ...auth, 'if-none-match': etag, 'x-request-id': `hot-${i}-304` } });
      expect(again.status, url).toBe(304);
      expect(again.headers.get('x-request-id'), url).toBe(`hot-${i}-304`);
      expect(again.headers.get('etag'), url).toBe(etag);
      const head = await fetch(url, { method: 'HEAD', headers: auth });
      expect(head.headers.get('x-request-id'), url).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('logs one JSON line per request with route, status, duration and actor, and never a token', async () => {
    expect((await publishRaw(server.api, server.adminToken, packageTarball('logged-pkg', '1.0.0'))).status).toBe(201);
    await fetch(`${server.api}/packages/logged-pkg`, { headers: { 'x-request-id': 'read-1' } });
    await new Promise((r) => setTimeout(r, 100));
    const lines = logLines();
    const publish = lines.find((l) => l.msg === 'request' && l.method === 'POST' && l.route === '/api/v1/packages');
    expect(publish).toMatchObject({ level: 'info', status: 201, actor: 'admin', durationMs: expect.any(Number), requestId: expect.any(String) });
    // Where a publish spent its time, phase by phase, as its Server-Timing header says.
    expect(publish!.timing).toMatch(/^read;dur=[\d.]+, .*validate;dur=[\d.]+.*tx;dur=[\d.]+.*total;dur=[\d.]+$/);
    expect(lines.find((l) => l.requestId === 'read-1')).toMatchObject({ route: '/api/v1/packages/:name', status: 200, actor: null });
    expect(server.stdout()).not.toContain(server.adminToken);
    expect(server.stdout()).not.toContain(server.adminToken.split('.')[2]!);
  });

  it('serves Prometheus metrics behind METRICS_TOKEN', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('metered', '1.0.0'))).status).toBe(201);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('metered', '1.0.0'))).status).toBe(200);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('metered-bad', 'v1'))).status).toBe(422);
    await (await fetch(`${server.api}/packages/metered/-/metered-1.0.0.tgz`)).arrayBuffer();
    await fetch(`${server.api}/packages/metered`);
    await fetch(`${server.api}/packages/metered`);
    await fetch(`${server.api}/search?q=metered`);
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/unjucks_http_requests_total\{method="POST",route="\/api\/v1\/packages",status="201"\} [1-9]/);
    expect(text).toMatch(/unjucks_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/v1\/packages\/:name"\} [1-9]/);
    expect(text).toMatch(/unjucks_publishes_total\{result="created"\} [1-9]/);
    expect(text).toMatch(/unjucks_publishes_total\{result="retry"\} 1/);
    expect(text).toMatch(/unjucks_publish_rejections_total\{rule="manifest\/invalid"\} 1/);
    expect(text).toMatch(/unjucks_downloads_total\{package="metered"\} 1/);
    expect(text).toMatch(/unjucks_search_duration_seconds_count [1-9]/);
    expect(text).toMatch(/unjucks_cache_requests_total\{cache="metadata",result="hit"\} [1-9]/);
    expect(text).toMatch(/unjucks_storage_operation_duration_seconds_count\{op="put"\} [1-9]/);
    expect(text).toMatch(/unjucks_process_resident_memory_bytes \d+/);
    const pool = (state: string) => Number(new RegExp(`unjucks_db_pool_connections\\{state="${state}"\\} (\\d+)`).exec(text)?.[1]);
    if (backend.db === 'postgres') {
      // Sampled from pg_stat_activity by this pool's application_name: the sampling query itself runs
      // on one of the pool's connections, so a filter that matched nothing (or another pool) shows here.
      expect(pool('active')).toBeGreaterThanOrEqual(1);
      expect(pool('active') + pool('idle')).toBeLessThanOrEqual(pool('max'));
      expect(pool('max')).toBeGreaterThan(1);
    } else {
      // PGlite is one in-process connection: the gauge states that and nothing is sampled.
      expect([pool('active'), pool('idle'), pool('max')]).toEqual([0, 1, 1]);
    }
    // Route templates, never package names, label the HTTP series.
    expect(text).not.toMatch(/unjucks_http_requests_total\{[^}]*metered/);
  });

  it('reports readiness, naming a failing part with a 503', async () => {
    const ok = await fetch(`${server.url}/ready`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ready', checks: { database: 'ok', storage: 'ok' } });
  });

  it.runIf(backend.store === 'fs')('answers 503 from /ready while local storage is broken, and recovers', async () => {
    const blobs = join(server.dataDir, 'blobs');
    await rm(blobs, { recursive: true, force: true });
    await writeFile(blobs, 'not a folder');
    try {
      const res = await fetch(`${server.url}/ready`);
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.checks.database).toBe('ok');
      expect(body.checks.storage).not.toBe('ok');
      expect(body.error).toMatch(/^not ready: storage: /);
    } finally {
      await rm(blobs, { force: true });
      await mkdir(blobs);
    }
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
