import http from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucksRegistry } from './helpers/cli.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Sends raw bytes and returns the status line the server answers with (or '' when it just closes). */
function raw(url: string, payload: string, opts: { trickleMs?: number; first?: Buffer } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('error', () => resolve(data.split('\r\n')[0] ?? ''));
    if (opts.trickleMs) {
      socket.write(payload);
      if (opts.first) socket.write(opts.first);
      const t = setInterval(() => (socket.writable ? socket.write(Buffer.from([0])) : clearInterval(t)), opts.trickleMs);
      socket.on('close', () => clearInterval(t));
    } else socket.end(payload);
  });
}

describe('hostile HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, {
      MAX_URL_LENGTH: '2048',
      MAX_HEADER_BYTES: '8192',
      REQUEST_TIMEOUT_MS: '1500',
      RATE_LIMIT_TOKEN_PER_MINUTE: '30',
      MAX_CONCURRENT_PUBLISHES: '1',
      MAX_QUEUED_PUBLISHES: '0',
    });
  });
  afterAll(() => server?.destroy());

  const healthy = async () => expect((await fetch(`${server.url}/health`)).status).toBe(200);

  it('answers 431 to oversized headers', async () => {
    const status = await raw(server.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    expect(status).toMatch(/^HTTP\/1\.1 431/);
    await healthy();
  });

  it('answers 414 to a huge URL or query string', async () => {
    for (const path of [`/api/v1/packages/${'a'.repeat(3000)}`, `/api/v1/search?q=${'x'.repeat(3000)}`]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(414);
      expect((await res.json()).error).toMatch(/URL is longer than 2048/);
    }
    await healthy();
  });

  it('answers 408 to a body that trickles in too slowly (slow-loris)', async () => {
    const head = `POST /api/v1/packages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.adminToken}\r\nContent-Length: 100000\r\n\r\n`;
    const t0 = Date.now();
    // A gzip header first, so the server is really waiting on the body, not refusing it.
    const status = await raw(server.url, head, { trickleMs: 200, first: Buffer.from([0x1f, 0x8b, 0x08, 0x00]) });
    expect(status).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeGreaterThan(1000);
    expect(Date.now() - t0).toBeLessThan(8000);
    await healthy();
  });

  it('answers clean 4xx to malformed JSON, bad UTF-8 and path tricks', async () => {
    const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
    expect((await publishRaw(server.api, server.adminToken, packageTarball('hostile-base', '1.0.0'))).status).toBe(201);
    const bad = await fetch(`${server.api}/packages/hostile-base/1.0.0/deprecate`, { method: 'POST', headers: auth, body: '{"message": ' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/must be JSON/);
    for (const path of [
      '/api/v1/packages/%ff%fe',
      '/api/v1/packages/%2e%2e',
      '/api/v1/packages/%2e%2e/%2e%2e',
      '/api/v1/packages/%252e%252e',
      '/api/v1/packages/hostile-base/-/..%2f..%2fetc%2fpasswd',
      '/api/v1/packages/%00',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(typeof (await res.json()).error, path).toBe('string');
    }
    await healthy();
  });

  it('limits publishes running at once on a replica with 503 and Retry-After', async () => {
    const slow = new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/api/v1/packages`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      const body = packageTarball('hostile-slow', '1.0.0');
      req.write(body.subarray(0, 100));
      setTimeout(() => req.end(body.subarray(100)), 600);
    });
    await new Promise((r) => setTimeout(r, 200));
    const second = await publishRaw(server.api, server.adminToken, packageTarball('hostile-second', '1.0.0'));
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await slow).toBe(201);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('hostile-second', '1.0.0'))).status).toBe(201);
  });

  it('rate-limits a token with 429 and Retry-After', async () => {
    const token = (await unjucksRegistry(['token', 'create', '--user', 'busy', '--role', 'reader'], { env: server.env })).stdout.trim();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${server.api}/whoami`, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(29);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Other clients are unaffected.
    expect((await fetch(`${server.api}/whoami`, { headers: { authorization: `Bearer ${server.adminToken}` } })).status).toBe(200);
  });
});

describe('per-IP rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, { RATE_LIMIT_IP_PER_MINUTE: '5' });
  });
  afterAll(() => server?.destroy());

  it('answers 429 with Retry-After past the limit, and health stays open', async () => {
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${server.api}/packages/nope`)).status);
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    const limited = await fetch(`${server.api}/packages/nope`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error).toMatch(/too many requests from this address/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
