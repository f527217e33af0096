import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, deepArray, deepJson, slowRequest, watchHealth } from './helpers.js';

/**
 * Finding 4 of the security review: anonymous requests stalled the server. npm's PUT /:name read
 * and parsed its body before asking who was sending it, slow anonymous PUTs held every publish
 * slot, and anonymous logins queued 128 MiB scrypt hashes on the threads gunzip needs.
 */
describe('nothing heavy before identity', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, {
      TRUST_PROXY: '1',
      MAX_CONCURRENT_PUBLISHES: '2',
      MAX_QUEUED_PUBLISHES: '0',
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE: '2',
    });
  });
  afterAll(() => server?.destroy());

  it('refuses an anonymous 14 MB deeply nested npm publish body without parsing it', async () => {
    const body = deepArray(7_000_000);
    expect(body.length).toBeGreaterThan(13_000_000);
    const health = watchHealth(server.url);
    const res = await fetch(`${server.url}/sec-deep`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
    const worst = await health.stop();
    expect(res.status).toBe(401);
    // Before the fix the parse alone held the event loop for seconds.
    expect(worst).toBeLessThan(1000);
  });

  it('refuses deep nesting from a signed-in client too, on every JSON route, before JSON.parse', async () => {
    const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
    const npm = await fetch(`${server.url}/sec-deep`, { method: 'PUT', headers: auth, body: deepArray(7_000_000) });
    expect(npm.status).toBe(400);
    expect((await npm.json()).error).toMatch(/nests deeper than 64 levels/);
    const login = await call(server, null, 'POST', '/auth/login', `{"username":"a","password":${deepJson(5000)}}`);
    expect(login.status).toBe(400);
    expect(login.body.error).toMatch(/nests deeper than 64 levels/);
  });

  it('never lets anonymous uploads hold the publish slots', async () => {
    const head = (name: string) => `PUT /${name} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n`;
    const slow = [1, 2, 3].map((i) => slowRequest(server.url, head(`sec-slow-${i}`), '{"_attachments":{"x.tgz":{"data":"'));
    try {
      // Each is told 401 at once, not after its body arrives.
      for (const s of slow) expect(await s.status).toMatch(/^HTTP\/1\.1 401/);
      const real = await publishRaw(server.api, server.adminToken, packageTarball('sec-real', '1.0.0'));
      expect(real.status).toBe(201);
    } finally {
      for (const s of slow) s.close();
    }
  });

  it('does not read the body of a user who may not publish the package', async () => {
    expect((await call(server, server.adminToken, 'POST', '/users', { name: 'sec-mallory', password: 'correct horse mallory' })).status).toBe(201);
    const token = (await call(server, null, 'POST', '/auth/login', { username: 'sec-mallory', password: 'correct horse mallory' })).body.token as string;
    const res = await fetch(`${server.url}/sec-real`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: deepArray(7_000_000),
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatch(/sec-mallory may not "publish:update" sec-real/);
  });

  it('caps password hashing: a burst of anonymous logins is refused early, not queued without end', async () => {
    const login = (ip: string) =>
      call(
        server,
        null,
        'POST',
        '/auth/login',
        { username: `nobody-${randomBytes(4).toString('hex')}`, password: 'wrong password here' },
        { 'x-forwarded-for': ip },
      );
    // Many addresses at once: the hashing queue (1 running + 2 waiting here) overflows into 503s.
    const spread = await Promise.all(Array.from({ length: 12 }, (_, i) => login(`198.51.100.${i + 1}`)));
    const busy = spread.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(busy[0]!.body.error).toMatch(/too many password checks/);
    expect(spread.every((r) => r.status === 401 || r.status === 503)).toBe(true);
    // One address at once: at most two of its checks run, the rest are told to wait.
    const one = await Promise.all(Array.from({ length: 6 }, () => login('203.0.113.50')));
    expect(one.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    // And a publish still goes through while logins are being refused.
    const during = Promise.all(Array.from({ length: 8 }, (_, i) => login(`192.0.2.${i + 1}`)));
    expect((await publishRaw(server.api, server.adminToken, packageTarball('sec-real', '1.1.0'))).status).toBe(201);
    await during;
  });
});
