import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucksRegistry } from './helpers/cli.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('export and import', () => {
  let from: TestServer;
  let to: TestServer;
  let dir: string;
  const tarballs = new Map<string, Buffer>();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'unjucks-backup-'));
    from = await startTestServer(BACKENDS[0]!); // the embedded default
    for (const [name, v] of [['moved-a', '1.0.0'], ['moved-a', '1.1.0'], ['@acme/moved-b', '2.0.0']] as const) {
      const t = packageTarball(name, v);
      tarballs.set(`${name}@${v}`, t);
      expect((await publishRaw(from.api, from.adminToken, t)).status).toBe(201);
    }
    // Accounts and access come along too: a user with a password, a team grant and a private package.
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${from.api}${path}`, { method, headers: { authorization: `Bearer ${from.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await call('POST', '/users', { name: 'mover', password: 'moving house' })).status).toBe(201);
    expect((await call('PUT', '/orgs/acme/members/mover', { role: 'reader' })).status).toBe(200);
    expect((await call('POST', '/orgs/acme/teams', { name: 'crew' })).status).toBe(201);
    expect((await call('PUT', '/orgs/acme/teams/crew/members/mover')).status).toBe(200);
    expect((await call('PUT', '/packages/@acme%2Fmoved-b/access/acme:crew', { role: 'maintainer' })).status).toBe(200);
    expect((await call('PUT', '/packages/@acme%2Fmoved-b/visibility', { visibility: 'private' })).status).toBe(200);
    to = await startTestServer(BACKENDS[1]!); // Postgres + S3 (PGlite + S3 without TEST_DATABASE_URL)
  });
  afterAll(async () => {
    await from?.destroy();
    await to?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves the whole registry from the embedded default to the other engines', async () => {
    const file = join(dir, 'registry.tgz');
    await from.stop();
    const exp = await unjucksRegistry(['export', file], { env: from.env });
    expect(exp.stderr).toBe('');
    expect(exp.stdout).toMatch(/exported 2 packages, 3 versions and 3 blobs/);

    await to.stop();
    const imp = await unjucksRegistry(['import', file], { env: to.env });
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toMatch(/imported 2 packages, 3 versions and 3 blobs/);
    await to.restart();

    for (const [key, bytes] of tarballs) {
      const [name, version] = [key.slice(0, key.lastIndexOf('@')), key.slice(key.lastIndexOf('@') + 1)];
      const auth = { authorization: `Bearer ${from.adminToken}` };
      const doc = await (await fetch(`${to.api}/packages/${name}/${version}`, { headers: auth })).json();
      const got = Buffer.from(await (await fetch(doc.dist.tarball, { headers: auth })).arrayBuffer());
      expect(got.equals(bytes), key).toBe(true);
    }
    expect((await (await fetch(`${to.api}/packages/moved-a`)).json())['dist-tags']).toEqual({ latest: '1.1.0' });
    // Tokens and their signing keys came along: the old admin token works on the new registry.
    expect(await (await fetch(`${to.api}/whoami`, { headers: { authorization: `Bearer ${from.adminToken}` } })).json()).toMatchObject({ username: 'admin', admin: true });
    // The password, org, team, grant and visibility came along; so did the audit log.
    expect((await fetch(`${to.api}/packages/@acme%2Fmoved-b`)).status).toBe(401);
    const login = await fetch(`${to.api}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'mover', password: 'moving house' }) });
    const mover = ((await login.json()) as { token: string }).token;
    expect((await publishRaw(to.api, mover, packageTarball('@acme/moved-b', '2.1.0'))).status).toBe(201);
    const audit = await (await fetch(`${to.api}/audit?org=acme`, { headers: { authorization: `Bearer ${from.adminToken}` } })).json();
    expect(audit.records.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['access.visibility', 'team.create', 'package.publish']));
    // Search was rebuilt from the imported rows (the private package only for those who may read it).
    expect((await (await fetch(`${to.api}/search?q=moved`)).json()).total).toBe(1);
    expect((await (await fetch(`${to.api}/search?q=moved`, { headers: { authorization: `Bearer ${mover}` } })).json()).total).toBe(2);
    expect((await publishRaw(to.api, to.adminToken, packageTarball('after-import', '1.0.0'))).status).toBe(201);
    await to.stop();
    expect((await unjucksRegistry(['verify'], { env: to.env })).code).toBe(0);
    // A registry that has packages is not merged into.
    const again = await unjucksRegistry(['import', file], { env: to.env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has 3 package\(s\); import only into a registry without packages/);
  });
});
