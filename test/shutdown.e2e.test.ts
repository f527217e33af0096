import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { packageTarball } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A publish whose body trickles in over `ms`, as a slow client's would. */
function slowPublish(url: string, token: string, body: Buffer, ms: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/v1/packages`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    const parts = 10;
    const size = Math.ceil(body.length / parts);
    let i = 0;
    const tick = setInterval(() => {
      req.write(body.subarray(i * size, (i + 1) * size));
      if (++i === parts) {
        clearInterval(tick);
        req.end();
      }
    }, ms / parts);
  });
}

describe('graceful shutdown', () => {
  let server: TestServer;
  afterEach(() => server?.destroy());

  it('lets an in-flight publish finish on SIGTERM, refuses new connections, and exits 0', async () => {
    server = await startTestServer(BACKENDS[0]!);
    const inflight = slowPublish(server.url, server.adminToken, packageTarball('shutdown-pkg', '1.0.0'), 1500);
    await new Promise((r) => setTimeout(r, 300));
    const exited = server.signal('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    const res = await inflight;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'shutdown-pkg', version: '1.0.0' });
    expect(await exited).toBe(0);
    expect(server.stdout()).toMatch(/received SIGTERM; finishing in-flight requests/);
    // The publish really landed.
    await server.restart();
    expect((await fetch(`${server.api}/packages/shutdown-pkg/1.0.0`)).status).toBe(200);
  });

  it('cuts requests that outlive SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    server = await startTestServer(BACKENDS[0]!, { SHUTDOWN_TIMEOUT_MS: '300' });
    const inflight = slowPublish(server.url, server.adminToken, packageTarball('too-slow', '1.0.0'), 5000).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    expect(await server.signal('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(await inflight).toBeInstanceOf(Error);
    expect(server.stdout()).toMatch(/requests still running after 300 ms/);
  });
});
