import { rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe.each(BACKENDS)('operability on $label', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
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
  });

  it('logs one JSON line per request with route, status, duration and actor, and never a token', async () => {
    expect((await publishRaw(server.api, server.adminToken, packageTarball('logged-pkg', '1.0.0'))).status).toBe(201);
    await fetch(`${server.api}/packages/logged-pkg`, { headers: { 'x-request-id': 'read-1' } });
    await new Promise((r) => setTimeout(r, 100));
    const lines = logLines();
    const publish = lines.find((l) => l.msg === 'request' && l.method === 'POST' && l.route === '/api/v1/packages');
    expect(publish).toMatchObject({ level: 'info', status: 201, actor: 'admin', durationMs: expect.any(Number), requestId: expect.any(String) });
    expect(lines.find((l) => l.requestId === 'read-1')).toMatchObject({ route: '/api/v1/packages/:name', status: 200, actor: null });
    expect(server.stdout()).not.toContain(server.adminToken);
    expect(server.stdout()).not.toContain(server.adminToken.split('.')[2]!);
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
