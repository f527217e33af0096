import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { metric, metricsText } from './helpers/metrics.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The hot reads are answered before Hono when they plainly succeed (packages/server/src/hot-reads.ts)
// and passed to it otherwise. A query string always passes them to Hono, and changes nothing in
// these answers: so each read is compared with itself through Hono.
describe('hot reads answered before the framework', () => {
  const backend = BACKENDS[0]!;
  let s: TestServer;
  let limited: TestServer;
  beforeAll(async () => {
    [s, limited] = await Promise.all([
      startTestServer(backend, { LOG_LEVEL: 'info' }),
      startTestServer(backend, { RATE_LIMIT_TOKEN_PER_MINUTE: '12', RATE_LIMIT_IP_PER_MINUTE: '0' }),
    ]);
    for (const t of [s, limited]) {
      expect((await publishRaw(t.api, t.adminToken, packageTarball('hot-a', '1.0.0'))).status).toBe(201);
      expect((await publishRaw(t.api, t.adminToken, packageTarball('@hot/b', '1.0.0'))).status).toBe(201);
    }
    // Hot reads are answered before Hono only while the caches are live.
    for (const t of [s, limited]) await live(t);
  });
  afterAll(async () => {
    await s?.destroy();
    await limited?.destroy();
  });

  const live = async (t: TestServer) => {
    const t0 = Date.now();
    while ((await metric(t, 'unjucks_cache_live')) !== 1) {
      if (Date.now() - t0 > 5000) throw new Error('caches not live');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const answered = (t: TestServer) => metric(t, 'unjucks_hot_reads_total{result="answered"}');
  const comparable = (res: Response) => {
    const h = Object.fromEntries([...res.headers].filter(([k]) => k !== 'date' && k !== 'x-request-id'));
    return { status: res.status, headers: h };
  };

  const auth = (t: TestServer) => ({ authorization: `Bearer ${t.adminToken}` });
  const READS: [string, (t: TestServer) => string, Record<string, string>][] = [
    ['abbreviated packument', (t) => `${t.url}/hot-a`, { accept: 'application/vnd.npm.install-v1+json' }],
    ['abbreviated packument, gzip', (t) => `${t.url}/hot-a`, { accept: 'application/vnd.npm.install-v1+json', 'accept-encoding': 'gzip' }],
    ['full packument, scoped', (t) => `${t.url}/@hot%2fb`, { accept: 'application/json' }],
    ['native package document', (t) => `${t.api}/packages/@hot%2Fb`, {}],
    ['npm tarball', (t) => `${t.url}/@hot/b/-/b-1.0.0.tgz`, {}],
    ['native tarball', (t) => `${t.api}/packages/hot-a/-/hot-a-1.0.0.tgz`, {}],
  ];

  it.each(READS)('%s: the same answer as through Hono, with a token and without, and 304 on its ETag', async (_, url, headers) => {
    for (const token of [auth(s), {}]) {
      const before = await answered(s);
      const hot = await fetch(url(s), { headers: { ...headers, ...token } });
      expect(await answered(s)).toBe(before + 1);
      const viaHono = await fetch(`${url(s)}?via=hono`, { headers: { ...headers, ...token } });
      expect(await answered(s)).toBe(before + 1);
      expect(hot.status).toBe(200);
      expect(comparable(hot)).toEqual(comparable(viaHono));
      expect(Buffer.from(await hot.arrayBuffer())).toEqual(Buffer.from(await viaHono.arrayBuffer()));
      const etag = hot.headers.get('etag')!;
      const again = await fetch(url(s), { headers: { ...headers, ...token, 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(comparable(again)).toEqual(comparable(await fetch(`${url(s)}?via=hono`, { headers: { ...headers, ...token, 'if-none-match': etag } })));
    }
  });

  it('echoes the request id, and logs and counts the request under its route', async () => {
    const res = await fetch(`${s.url}/hot-a`, { headers: { ...auth(s), 'x-request-id': 'hot-read-1' } });
    expect(res.headers.get('x-request-id')).toBe('hot-read-1');
    const fresh = await fetch(`${s.url}/hot-a`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 50));
    const line = s
      .stdout()
      .split('\n')
      .find((l) => l.includes('"requestId":"hot-read-1"'));
    expect(JSON.parse(line!)).toMatchObject({ msg: 'request', method: 'GET', route: '/:name', path: '/hot-a', status: 200, actor: 'admin' });
    expect(await metricsText(s)).toMatch(/unjucks_http_requests_total\{method="GET",route="\/:name",status="200"\} [1-9]/);
  });

  it('passes refusals to Hono, which refuses them as before', async () => {
    const before = await answered(s);
    expect((await fetch(`${s.url}/hot-a`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${s.url}/hot-a`, { headers: { authorization: 'Basic x' } })).status).toBe(401);
    expect((await fetch(`${s.url}/no-such-package`, { headers: auth(s) })).status).toBe(404);
    expect((await fetch(`${s.url}/hot-a/-/hot-a-9.9.9.tgz`, { headers: auth(s) })).status).toBe(404);
    expect((await fetch(`${s.api}/packages/no-such-package`)).status).toBe(404);
    // Browsers get the package's web page.
    const page = await fetch(`${s.url}/hot-a`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(await answered(s)).toBe(before);
    // HEAD goes through Hono too, and answers without a body.
    const head = await fetch(`${s.url}/hot-a`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('a private package reads as missing to outsiders, and a revoked token is refused at once', async () => {
    const res = await fetch(`${s.api}/packages/hot-a/visibility`, {
      method: 'PUT',
      headers: { ...auth(s), 'content-type': 'application/json' },
      body: JSON.stringify({ visibility: 'private' }),
    });
    expect(res.status).toBe(200);
    expect((await fetch(`${s.url}/hot-a`)).status).toBe(404);
    expect((await fetch(`${s.url}/hot-a/-/hot-a-1.0.0.tgz`)).status).toBe(404);
    expect((await fetch(`${s.url}/hot-a`, { headers: auth(s) })).status).toBe(200);
    const tok = await fetch(`${s.api}/tokens`, {
      method: 'POST',
      headers: { ...auth(s), 'content-type': 'application/json' },
      body: JSON.stringify({ actions: ['read'] }),
    });
    expect(tok.status).toBe(201);
    const { token, id } = (await tok.json()) as { token: string; id: string };
    expect((await fetch(`${s.url}/@hot%2fb`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${s.api}/tokens/${id}`, { method: 'DELETE', headers: auth(s) })).status).toBe(200);
    expect((await fetch(`${s.url}/@hot%2fb`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('counts each request once against the rate limit, whichever way it goes', async () => {
    // 12 a minute for the token; the publishes above took 2. Hot reads and refused reads (which
    // Hono answers after the hot path looked at them) share the bucket and count once each.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const url = i % 3 === 2 ? `${limited.url}/no-such-package` : `${limited.url}/hot-a`;
      statuses.push((await fetch(url, { headers: auth(limited) })).status);
    }
    expect(statuses.slice(0, 10)).toEqual([200, 200, 404, 200, 200, 404, 200, 200, 404, 200]);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const refused = await fetch(`${limited.url}/hot-a`, { headers: auth(limited) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
