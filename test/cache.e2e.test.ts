import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric as metricNow } from './helpers/metrics.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The per-replica caches (packages/server/src/cache/): told of changes on the notification
// channel, bypassed while it is not heard. Two replicas need a shared Postgres.
describe.runIf(!!process.env.TEST_DATABASE_URL)('per-replica caches on two replicas', () => {
  let a: TestServer;
  let b: TestServer;
  let sql: postgres.Sql;
  beforeAll(async () => {
    // Downloads flushed and the webhook outbox polled rarely, so the query counts below see only what
    // reads themselves cost (on a loaded machine the 100 reads span several one-second polls).
    a = await startTestServer(
      { label: 'cache a', db: 'postgres', store: 'fs' },
      { DOWNLOADS_FLUSH_MS: '600000', WEBHOOK_POLL_MS: '600000', RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0' },
    );
    b = await startTestServer(
      { label: 'cache b', db: 'postgres', store: 'fs' },
      { DOWNLOADS_FLUSH_MS: '600000', WEBHOOK_POLL_MS: '600000', RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0', DATA_DIR: a.dataDir },
      { replicaOf: a },
    );
    sql = postgres(a.env.DATABASE_URL!, { max: 1, onnotice: () => undefined });
  });
  afterAll(async () => {
    await sql?.end();
    await b?.destroy();
    await a?.destroy();
  });

  const call = async (s: TestServer, token: string | null, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.api}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
  };
  const metric = (s: TestServer, name: string) => metricNow(s, name, { missing: Number.NaN });
  /** Polls until `check` holds, failing after `ms`; resolves with how long it took. */
  const within = async (ms: number, check: () => Promise<boolean>) => {
    const t0 = performance.now();
    while (!(await check())) {
      if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - t0;
  };
  const newUser = async (name: string) => {
    expect((await call(a, a.adminToken, 'POST', '/users', { name, password: `${name} password` })).status).toBe(201);
    const login = await call(a, null, 'POST', '/auth/login', { username: name, password: `${name} password` });
    return login.body as { token: string; id: string };
  };
  /** Cuts replica `s`'s listening connection (it reconnects by itself). */
  const cutListener = (s: TestServer) =>
    sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name like ${`unjucks-registry/${s.pid()}/%/listen`}`;

  it('answers repeated hot reads with a token without a database round trip', async () => {
    expect((await publishRaw(a.api, a.adminToken, packageTarball('hot-read', '1.0.0'))).status).toBe(201);
    const auth = { authorization: `Bearer ${a.adminToken}` };
    const reads = [
      () => fetch(`${b.url}/hot-read`, { headers: { ...auth, accept: 'application/vnd.npm.install-v1+json' } }),
      () => fetch(`${b.url}/hot-read`, { headers: { ...auth, accept: 'application/json' } }),
      () => fetch(`${b.api}/packages/hot-read`, { headers: auth }),
      () => fetch(`${b.url}/hot-read/-/hot-read-1.0.0.tgz`, { headers: auth }),
    ];
    for (const r of reads) expect((await r()).status).toBe(200); // warm
    await within(2000, async () => (await metric(b, 'unjucks_cache_live')) === 1);
    // A scrape costs a query of its own (the pool gauge): measure it alone, then around the reads.
    const m0 = await metric(b, 'unjucks_db_queries_total');
    const m1 = await metric(b, 'unjucks_db_queries_total');
    const scrape = m1 - m0;
    for (let i = 0; i < 25; i++)
      for (const r of reads) {
        const res = await r();
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    const m2 = await metric(b, 'unjucks_db_queries_total');
    expect(m2 - m1).toBe(scrape);
  });

  it('refuses a token revoked on one replica on the other within a second', async () => {
    const u = await newUser('cache-revoked');
    expect((await call(b, u.token, 'GET', '/whoami')).status).toBe(200); // b caches the row
    expect((await call(b, u.token, 'GET', '/whoami')).status).toBe(200);
    expect((await call(a, a.adminToken, 'DELETE', `/tokens/${u.id}`)).status).toBe(200);
    const ms = await within(1000, async () => (await call(b, u.token, 'GET', '/whoami')).status === 401);
    expect(ms).toBeLessThan(1000);
    expect((await call(a, u.token, 'GET', '/whoami')).status).toBe(401); // the writer's own replica at once
  });

  it('refuses a member removed on one replica on the other within a second', async () => {
    const u = await newUser('cache-member');
    expect((await call(a, a.adminToken, 'POST', '/orgs', { name: 'cacheco' })).status).toBe(201);
    expect((await call(a, a.adminToken, 'PUT', '/orgs/cacheco/members/cache-member', { role: 'maintainer' })).status).toBe(200);
    expect((await publishRaw(a.api, a.adminToken, packageTarball('@cacheco/kit', '1.0.0'))).status).toBe(201);
    expect((await call(a, a.adminToken, 'PUT', '/packages/@cacheco%2Fkit/visibility', { visibility: 'private' })).status).toBe(200);
    // b caches the snapshot and the member's role on it.
    await within(1000, async () => (await call(b, u.token, 'GET', '/packages/@cacheco%2Fkit')).status === 200);
    expect((await call(b, u.token, 'GET', '/packages/@cacheco%2Fkit')).status).toBe(200);
    expect((await call(a, a.adminToken, 'DELETE', '/orgs/cacheco/members/cache-member')).status).toBe(200);
    // Private, and no longer a member: answered as missing.
    const ms = await within(1000, async () => (await call(b, u.token, 'GET', '/packages/@cacheco%2Fkit')).status === 404);
    expect(ms).toBeLessThan(1000);
    // A publish is refused too (as missing: the package is private to them now).
    expect((await publishRaw(b.api, u.token, packageTarball('@cacheco/kit', '1.1.0'))).status).toBe(404);
  });

  it('checks the database while its listening connection is cut, and caches again once it is back', async () => {
    const u = await newUser('cache-cut');
    expect((await call(b, u.token, 'GET', '/whoami')).status).toBe(200);
    expect((await call(b, u.token, 'GET', '/whoami')).status).toBe(200);
    // A write that tells nobody (triggers off for this session): a live cache does not see it,
    // which shows the cache is in use and that the cut below is what makes b see the next one.
    const silently = async (q: (tx: postgres.TransactionSql) => Promise<unknown>) =>
      sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await q(tx);
      });
    await silently((tx) => tx`update tokens set label = 'x' where jti = ${u.id}`);
    await within(2000, async () => (await metric(b, 'unjucks_cache_live')) === 1);

    // Cut b's listener again and again: while it is down or reconnecting b must not trust its caches.
    let cutting = true;
    let cuts = 0;
    const cutter = (async () => {
      while (cutting) {
        cuts += (await cutListener(b)).length;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await within(2000, async () => (await metric(b, 'unjucks_cache_live')) === 0);
      await silently((tx) => tx`update tokens set revoked_at = now() where jti = ${u.id}`);
      // No notification was sent, yet b refuses the token on its very next request.
      const refused = await call(b, u.token, 'GET', '/whoami');
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatch(/revoked/);
    } finally {
      cutting = false;
      await cutter;
    }
    expect(cuts).toBeGreaterThan(0);
    // Back: live again, and flushed (the silent revocation is still seen).
    await within(3000, async () => (await metric(b, 'unjucks_cache_live')) === 1);
    expect((await call(b, u.token, 'GET', '/whoami')).status).toBe(401);
    expect(b.stdout()).toMatch(/notification connection dropped/);

    // And it is told again: a revocation made through a now shows on b within a second.
    const v = await newUser('cache-after');
    expect((await call(b, v.token, 'GET', '/whoami')).status).toBe(200);
    expect((await call(a, a.adminToken, 'DELETE', `/tokens/${v.id}`)).status).toBe(200);
    expect(await within(1000, async () => (await call(b, v.token, 'GET', '/whoami')).status === 401)).toBeLessThan(1000);
  });

  it('serves a publish on its own replica from the snapshot the write built, byte for byte what the other replica loads', async () => {
    const auth = { authorization: `Bearer ${a.adminToken}` };
    const docs = (s: TestServer, name: string) =>
      Promise.all(
        [
          [`${s.api}/packages/${name}`, {}],
          [`${s.url}/${name}`, { accept: 'application/json' }],
          [`${s.url}/${name}`, { accept: 'application/vnd.npm.install-v1+json' }],
        ].map(async ([url, headers]) => {
          const res = await fetch(url as string, { headers: { ...auth, ...(headers as object), 'accept-encoding': 'identity' } });
          expect(res.status).toBe(200);
          return { etag: res.headers.get('etag'), text: await res.text() };
        }),
      );
    expect((await publishRaw(a.api, a.adminToken, packageTarball('built-snap', '1.0.0'))).status).toBe(201);
    await docs(a, 'built-snap'); // a caches the snapshot the next publish starts from
    for (const [version, query] of [
      ['1.1.0', ''],
      ['2.0.0-beta.1', '?tag=beta'],
      ['1.2.0', ''],
    ]) {
      expect((await publishRaw(a.api, a.adminToken, packageTarball('built-snap', version!), query)).status).toBe(201);
      // Settled (the search index's own refresh on the notice), then the reads: no query at all on
      // a, which serves the snapshot its publish built.
      await new Promise((r) => setTimeout(r, 300));
      const m0 = await metric(a, 'unjucks_db_queries_total');
      const m1 = await metric(a, 'unjucks_db_queries_total');
      const onA = await docs(a, 'built-snap');
      expect((await metric(a, 'unjucks_db_queries_total')) - m1).toBe(m1 - m0);
      expect(JSON.parse(onA[0]!.text).versions[version!]).toBeDefined();
      // b loads it from the database: the same bytes but for b's own URLs in them.
      await within(1000, async () => JSON.parse((await docs(b, 'built-snap'))[0]!.text).versions[version!] !== undefined);
      expect((await docs(b, 'built-snap')).map((d) => d.text.replaceAll(b.url, a.url))).toEqual(onA.map((d) => d.text));
    }
    expect(JSON.parse((await docs(a, 'built-snap'))[0]!.text)['dist-tags']).toEqual({ beta: '2.0.0-beta.1', latest: '1.2.0' });
  });

  it('sends metadata precompressed as the client accepts, and 304 for a known ETag', async () => {
    const url = `${b.url}/hot-read`;
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    const text = await plain.text();
    const etag = plain.headers.get('etag')!;
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Number(plain.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    for (const enc of ['gzip', 'br']) {
      // fetch decodes what it is sent: the same JSON, marked as sent in that encoding.
      const res = await fetch(url, { headers: { 'accept-encoding': enc } });
      expect(res.headers.get('content-encoding')).toBe(enc);
      expect(res.headers.get('vary')).toMatch(/Accept-Encoding/);
      expect(res.headers.get('etag')).toBe(etag);
      expect(await res.text()).toBe(text);
    }
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });
});
