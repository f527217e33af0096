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
      const doc = await (await fetch(`${to.api}/packages/${name}/${version}`)).json();
      const got = Buffer.from(await (await fetch(doc.dist.tarball)).arrayBuffer());
      expect(got.equals(bytes), key).toBe(true);
    }
    expect((await (await fetch(`${to.api}/packages/moved-a`)).json())['dist-tags']).toEqual({ latest: '1.1.0' });
    // Tokens and their signing keys came along: the old admin token works on the new registry.
    expect(await (await fetch(`${to.api}/whoami`, { headers: { authorization: `Bearer ${from.adminToken}` } })).json()).toEqual({ username: 'admin', role: 'admin' });
    // Search was rebuilt from the imported rows, and new publishes get fresh ids.
    expect((await (await fetch(`${to.api}/search?q=moved`)).json()).total).toBe(2);
    expect((await publishRaw(to.api, to.adminToken, packageTarball('after-import', '1.0.0'))).status).toBe(201);
    await to.stop();
    expect((await unjucksRegistry(['verify'], { env: to.env })).code).toBe(0);
    // A registry that has packages is not merged into.
    const again = await unjucksRegistry(['import', file], { env: to.env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has 3 package\(s\); import only into a registry without packages/);
  });
});
