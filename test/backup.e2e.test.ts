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
    // The embedded default; hooks to loopback are allowed so one can be made here.
    from = await startTestServer(BACKENDS[0]!, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    for (const [name, v] of [
      ['moved-a', '1.0.0'],
      ['moved-a', '1.1.0'],
      ['@acme/moved-b', '2.0.0'],
    ] as const) {
      const t = packageTarball(name, v);
      tarballs.set(`${name}@${v}`, t);
      expect((await publishRaw(from.api, from.adminToken, t)).status).toBe(201);
    }
    // Accounts and access come along too: a user with a password, a team grant and a private package.
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${from.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${from.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await call('POST', '/users', { name: 'mover', password: 'moving house' })).status).toBe(201);
    expect((await call('PUT', '/orgs/acme/members/mover', { role: 'reader' })).status).toBe(200);
    expect((await call('POST', '/orgs/acme/teams', { name: 'crew' })).status).toBe(201);
    expect((await call('PUT', '/orgs/acme/teams/crew/members/mover')).status).toBe(200);
    expect((await call('PUT', '/packages/@acme%2Fmoved-b/access/acme:crew', { role: 'maintainer' })).status).toBe(200);
    expect((await call('PUT', '/packages/@acme%2Fmoved-b/visibility', { visibility: 'private' })).status).toBe(200);
    // So do reviews (the org's rule, a staged version and a withdrawn one with its reason), trusted publishers and hooks.
    expect((await call('PUT', '/orgs/acme/review-policy', { requiredApprovals: 1 })).status).toBe(200);
    for (const v of ['2.0.1', '2.0.2']) {
      expect((await publishRaw(from.api, from.adminToken, packageTarball('@acme/moved-b', v))).body).toMatchObject({ status: 'staged' });
    }
    expect((await call('POST', '/packages/@acme%2Fmoved-b/2.0.1/reject', { reason: 'withdrawn by its publisher' })).status).toBe(200);
    const trust = { issuer: 'github', repository: 'acme/moved', repositoryOwnerId: '4242', workflow: 'release.yml' };
    expect((await call('POST', '/packages/moved-a/trusted-publishers', trust)).status).toBe(201);
    expect((await call('POST', '/hooks', { org: 'acme', url: 'http://127.0.0.1:9/moved' })).status).toBe(201);
    to = await startTestServer(BACKENDS[1]!); // Postgres + S3 (PGlite + S3 without TEST_DATABASE_URL)
  });
  afterAll(async () => {
    await from?.destroy();
    await to?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  // Three exports, four imports and a verify, each its own process, with both servers stopped and
  // restarted around them: 40 to 44 s on two cores, and 59 to 60 s beside another test file,
  // against the 60 s every other test gets.
  it('moves the whole registry from the embedded default to the other engines', async () => {
    const file = join(dir, 'registry.tgz');
    await from.stop();
    const exp = await unjucksRegistry(['export', file], { env: from.env });
    expect(exp.stderr).toBe('');
    expect(exp.stdout).toMatch(/exported 2 packages, 5 versions and 5 blobs/);

    await to.stop();
    const imp = await unjucksRegistry(['import', file], { env: to.env });
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toMatch(/imported 2 packages, 5 versions and 5 blobs/);
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
    expect(await (await fetch(`${to.api}/whoami`, { headers: { authorization: `Bearer ${from.adminToken}` } })).json()).toMatchObject({
      username: 'admin',
      admin: true,
    });
    // The password, org, team, grant and visibility came along; so did the audit log.
    expect((await fetch(`${to.api}/packages/@acme%2Fmoved-b`)).status).toBe(404); // private: anonymous readers see it as missing
    const login = await fetch(`${to.api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mover', password: 'moving house' }),
    });
    const mover = ((await login.json()) as { token: string }).token;
    expect((await publishRaw(to.api, mover, packageTarball('@acme/moved-b', '2.1.0'))).status).toBe(201);
    const audit = await (await fetch(`${to.api}/audit?org=acme`, { headers: { authorization: `Bearer ${from.adminToken}` } })).json();
    expect(audit.records.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['access.visibility', 'team.create', 'package.publish']));
    const asAdmin = { headers: { authorization: `Bearer ${from.adminToken}` } };
    expect(await (await fetch(`${to.api}/orgs/acme/review-policy`, asAdmin)).json()).toEqual({ requiredApprovals: 1, effective: 1 });
    const reviews = await (await fetch(`${to.api}/packages/@acme%2Fmoved-b/reviews`, asAdmin)).json();
    expect(reviews.versions.map((v: { version: string; status: string }) => [v.version, v.status])).toEqual(
      expect.arrayContaining([
        ['2.0.1', 'rejected'],
        ['2.0.2', 'staged'],
      ]),
    );
    expect(reviews.versions.find((v: { version: string }) => v.version === '2.0.1').approvals).toEqual([
      expect.objectContaining({ approver: 'admin', decision: 'reject', reason: 'withdrawn by its publisher' }),
    ]);
    expect((await (await fetch(`${to.api}/packages/moved-a/trusted-publishers`, asAdmin)).json()).trustedPublishers).toEqual([
      expect.objectContaining({ package: 'moved-a', repository: 'acme/moved', repositoryOwnerId: '4242', workflow: 'release.yml' }),
    ]);
    // The hook's secret was sealed by the old registry's key, which this one does not have: it comes in disabled, saying why.
    expect((await (await fetch(`${to.api}/hooks`, asAdmin)).json()).hooks).toEqual([
      expect.objectContaining({ url: 'http://127.0.0.1:9/moved', enabled: false, disabledReason: expect.stringMatching(/another SIGNING_KEY_SECRET/) }),
    ]);
    // Search was rebuilt from the imported rows (the private package only for those who may read it).
    expect((await (await fetch(`${to.api}/search?q=moved`)).json()).total).toBe(1);
    expect((await (await fetch(`${to.api}/search?q=moved`, { headers: { authorization: `Bearer ${mover}` } })).json()).total).toBe(2);
    expect((await publishRaw(to.api, to.adminToken, packageTarball('after-import', '1.0.0'))).status).toBe(201);
    await to.stop();
    expect((await unjucksRegistry(['verify'], { env: to.env })).code).toBe(0);
    // A registry that has packages is not merged into unless told to.
    const again = await unjucksRegistry(['import', file], { env: to.env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has 3 package\(s\); import only into a registry without packages, or pass --merge/);
    // --merge adds what is missing and skips what is here with the same bytes.
    await from.restart();
    expect((await publishRaw(from.api, from.adminToken, packageTarball('moved-a', '1.2.0'))).status).toBe(201);
    expect((await publishRaw(from.api, from.adminToken, packageTarball('merged-new', '1.0.0'))).status).toBe(201);
    await from.stop();
    const file2 = join(dir, 'registry-2.tgz');
    expect((await unjucksRegistry(['export', file2], { env: from.env })).code).toBe(0);
    const merged = await unjucksRegistry(['import', file2, '--merge'], { env: to.env });
    expect(merged.stderr).toBe('');
    expect(merged.stdout).toMatch(/imported 3 packages, 2 versions and \d+ blobs .*\(5 versions were already here with the same bytes\)/);
    await to.restart();
    expect(Object.keys((await (await fetch(`${to.api}/packages/moved-a`)).json()).versions)).toEqual(['1.0.0', '1.1.0', '1.2.0']);
    expect((await (await fetch(`${to.api}/packages/moved-a`)).json())['dist-tags']).toEqual({ latest: '1.1.0' });
    expect((await fetch(`${to.api}/packages/merged-new/1.0.0`)).status).toBe(200);
    // A version here with other bytes aborts the merge, and nothing is written.
    expect((await publishRaw(to.api, to.adminToken, packageTarball('moved-a', '1.3.0', { salt: 'here' }))).status).toBe(201);
    await to.stop();
    await from.restart();
    expect((await publishRaw(from.api, from.adminToken, packageTarball('moved-a', '1.3.0', { salt: 'there' }))).status).toBe(201);
    expect((await publishRaw(from.api, from.adminToken, packageTarball('never-merged', '1.0.0'))).status).toBe(201);
    await from.stop();
    const file3 = join(dir, 'registry-3.tgz');
    expect((await unjucksRegistry(['export', file3], { env: from.env })).code).toBe(0);
    const clash = await unjucksRegistry(['import', file3, '--merge'], { env: to.env });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/nothing was imported: moved-a@1\.3\.0 already exists here with other contents/);
    await to.restart();
    expect((await fetch(`${to.api}/packages/never-merged`)).status).toBe(404);
  }, 120_000);
});
