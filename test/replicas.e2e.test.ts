import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestFor, packageTarball, publishRaw } from './helpers/packages.js';
import { unjucksRegistry } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Replicas share Postgres and S3; the embedded database admits one process, so this needs Postgres.
describe.runIf(!!process.env.TEST_DATABASE_URL)('two replicas on one Postgres + S3', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ label: 'replica a', db: 'postgres', store: 's3' });
    b = await startTestServer({ label: 'replica b', db: 'postgres', store: 's3' }, {}, { replicaOf: a });
  });
  afterAll(async () => {
    await b?.destroy();
    await a?.destroy();
  });

  const doc = async (s: TestServer) => (await fetch(`${s.api}/packages/replicated`)).json();
  const auth = () => ({ authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' });

  it('takes revocations, team removals and visibility changes made on one replica into account on the other at once', async () => {
    const call = async (s: TestServer, token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${s.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    expect((await call(a, a.adminToken, 'POST', '/users', { name: 'rep-user', password: 'replicated pw' })).status).toBe(201);
    const login = await fetch(`${b.api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'rep-user', password: 'replicated pw' }),
    });
    const user = (await login.json()) as { token: string; id: string };
    expect((await call(a, a.adminToken, 'POST', '/orgs', { name: 'repco' })).status).toBe(201);
    expect((await call(a, a.adminToken, 'PUT', '/orgs/repco/members/rep-user', { role: 'reader' })).status).toBe(200);
    expect((await call(a, a.adminToken, 'POST', '/orgs/repco/teams', { name: 'devs' })).status).toBe(201);
    expect((await call(a, a.adminToken, 'PUT', '/orgs/repco/teams/devs/members/rep-user')).status).toBe(200);
    expect((await call(a, a.adminToken, 'PUT', '/orgs/repco/access/devs', { role: 'maintainer' })).status).toBe(200);
    expect((await publishRaw(b.api, user.token, packageTarball('@repco/kit', '1.0.0'))).status).toBe(201);

    expect((await call(a, a.adminToken, 'DELETE', '/orgs/repco/teams/devs/members/rep-user')).status).toBe(200);
    expect((await publishRaw(b.api, user.token, packageTarball('@repco/kit', '1.1.0'))).status).toBe(403);

    expect((await call(b, user.token, 'GET', '/packages/@repco%2Fkit')).status).toBe(200);
    expect((await call(a, a.adminToken, 'PUT', '/packages/@repco%2Fkit/visibility', { visibility: 'private' })).status).toBe(200);
    expect((await fetch(`${b.api}/packages/@repco%2Fkit`)).status).toBe(404); // private: anonymous readers see it as missing
    // Search indexes follow by notification: within moments, not in the same instant.
    await expect.poll(async () => (await (await fetch(`${b.api}/search?q=repco`)).json()).total, { timeout: 5000 }).toBe(0);

    expect((await call(a, a.adminToken, 'DELETE', `/tokens/${user.id}`)).status).toBe(200);
    const revoked = await call(b, user.token, 'GET', '/whoami');
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toMatch(/revoked/);
  });

  it('keeps the audit log append-only and the signing keys sealed in the database', async () => {
    const sql = postgres(a.env.DATABASE_URL!, { max: 1, onnotice: () => undefined });
    try {
      const [row] = await sql`select id from audit_log order by id limit 1`;
      await expect(sql`update audit_log set actor = 'nobody' where id = ${row!.id}`).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log`).rejects.toThrow(/append-only/);
      await expect(sql`truncate audit_log`).rejects.toThrow(/append-only/);
      const keys = await sql`select private_jwk from signing_keys`;
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) {
        expect(k.private_jwk).toMatchObject({ sealed: 'A256GCM' });
        expect(JSON.stringify(k.private_jwk)).not.toMatch(/"d"/);
      }
    } finally {
      await sql.end();
    }
  });

  it('serves every change made through one replica from the other at once', async () => {
    expect((await publishRaw(a.api, a.adminToken, packageTarball('replicated', '1.0.0'))).status).toBe(201);
    expect(Object.keys((await doc(b)).versions)).toEqual(['1.0.0']); // b caches this revision

    expect((await publishRaw(a.api, a.adminToken, packageTarball('replicated', '1.1.0'))).status).toBe(201);
    const afterPublish = await doc(b);
    expect(Object.keys(afterPublish.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(afterPublish['dist-tags'].latest).toBe('1.1.0');
    expect((await (await fetch(`${b.api}/packages/replicated/%5E1`)).json()).version).toBe('1.1.0');

    await fetch(`${a.api}/packages/replicated/dist-tags/latest`, { method: 'PUT', headers: auth(), body: '"1.0.0"' });
    expect((await doc(b))['dist-tags'].latest).toBe('1.0.0');

    await fetch(`${a.api}/packages/replicated/1.0.0/deprecate`, { method: 'POST', headers: auth(), body: JSON.stringify({ message: 'old' }) });
    expect((await doc(b)).versions['1.0.0'].deprecated).toBe('old');

    // The tarball a publishes through a is downloadable from b, byte for byte.
    const t = packageTarball('replicated', '1.2.0');
    await publishRaw(a.api, a.adminToken, t);
    const bytes = Buffer.from(await (await fetch(`${b.api}/packages/replicated/-/replicated-1.2.0.tgz`)).arrayBuffer());
    expect(bytes.equals(t)).toBe(true);
  });

  it('finds a package published through one replica by searching the other within 2 seconds, and drops it when deprecated', async () => {
    const search = async (s: TestServer, q: string) =>
      ((await (await fetch(`${s.api}/search?q=${encodeURIComponent(q)}`)).json()) as { objects: { package: { name: string } }[] }).objects.map(
        (o) => o.package.name,
      );
    const eventually = async (check: () => Promise<boolean>) => {
      const deadline = Date.now() + 2000;
      while (!(await check())) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    };
    expect(await search(b, 'zanzibar')).toEqual([]);
    const m = manifestFor('zanzibar-gen', '1.0.0', { description: 'Zanzibar spice generators' });
    expect((await publishRaw(a.api, a.adminToken, packageTarball('zanzibar-gen', '1.0.0', { manifest: m }))).status).toBe(201);
    expect(await eventually(async () => (await search(b, 'zanzibar')).includes('zanzibar-gen'))).toBe(true);

    await fetch(`${b.api}/packages/zanzibar-gen/1.0.0/deprecate`, { method: 'POST', headers: auth(), body: JSON.stringify({ message: 'gone' }) });
    expect(await eventually(async () => !(await search(a, 'zanzibar')).includes('zanzibar-gen'))).toBe(true);
    expect(await search(a, 'zanzibar deprecated')).toEqual([]);
    const withDeprecated = await (await fetch(`${a.api}/search?q=zanzibar&deprecated=true`)).json();
    expect(withDeprecated.objects.map((o: { package: { name: string } }) => o.package.name)).toEqual(['zanzibar-gen']);
  });

  it('rebuilds after losing its notification connection, catching up on what it missed', async () => {
    const sql = postgres(a.env.DATABASE_URL!, { max: 1, onnotice: () => undefined });
    const search = async (s: TestServer, q: string) =>
      ((await (await fetch(`${s.api}/search?q=${encodeURIComponent(q)}`)).json()) as { objects: { package: { name: string } }[] }).objects.map(
        (o) => o.package.name,
      );
    try {
      expect((await publishRaw(a.api, a.adminToken, packageTarball('missed-while-down', '1.0.0'))).status).toBe(201);
      // A change no notification announces (it bumps the revision, as every write does, but its
      // search document was not rewritten): only a rebuild can bring it into an index.
      await sql`update versions set manifest = jsonb_set(manifest, '{description}', '"Quokka habitat generators"')
                where package_id = (select id from packages where name = 'missed-while-down')`;
      await sql`update packages set revision = revision + 1 where name = 'missed-while-down'`;
      expect(await search(b, 'quokka')).toEqual([]);
      const killed = await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'`;
      expect(killed.length).toBeGreaterThanOrEqual(2);
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !b.stdout().includes('rebuilt after the notification connection came back')) await new Promise((r) => setTimeout(r, 100));
      expect(b.stdout()).toContain('rebuilt after the notification connection came back');
      expect(await search(b, 'quokka')).toEqual(['missed-while-down']);
      // Live notifications flow again afterwards.
      await fetch(`${a.api}/packages/missed-while-down/1.0.0/deprecate`, { method: 'POST', headers: auth(), body: JSON.stringify({ message: 'x' }) });
      const until = Date.now() + 2000;
      while (Date.now() < until && (await search(b, 'quokka')).length) await new Promise((r) => setTimeout(r, 50));
      expect(await search(b, 'quokka')).toEqual([]);
    } finally {
      await sql.end();
    }
  });

  it('takes 200 concurrent publishes of distinct versions across 20 packages through both replicas', async () => {
    const jobs = Array.from({ length: 200 }, (_, i) => ({ name: `burst-${i % 20}`, version: `1.0.${Math.floor(i / 20)}` }));
    const results = await Promise.all(jobs.map((j, i) => publishRaw((i % 2 ? a : b).api, a.adminToken, packageTarball(j.name, j.version))));
    expect(results.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    for (let p = 0; p < 20; p++) {
      for (const s of [a, b]) {
        const doc = await (await fetch(`${s.api}/packages/burst-${p}`)).json();
        expect(Object.keys(doc.versions)).toEqual(Array.from({ length: 10 }, (_, v) => `1.0.${v}`));
        expect(doc['dist-tags'].latest).toBe('1.0.9');
      }
    }
    const verify = await unjucksRegistry(['verify'], { env: a.env });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/0 with problems/);
  });

  it('lets concurrent publishes through both replicas race safely', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => publishRaw((i % 2 ? a : b).api, a.adminToken, packageTarball('replica-race', '1.0.0', { salt: `${i}` }))),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
  });
});
