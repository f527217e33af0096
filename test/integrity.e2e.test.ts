import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucksRegistry } from './helpers/cli.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const hexOf = (integrity: string) => Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex');
const blobPath = (dataDir: string, hex: string) => join(dataDir, 'blobs', 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex);

describe.each(BACKENDS)('verify and gc on $label', (backend) => {
  let server: TestServer;
  const integrities: Record<string, string> = {};
  beforeAll(async () => {
    server = await startTestServer(backend);
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
      const r = await publishRaw(server.api, server.adminToken, packageTarball('integrity-pkg', v));
      expect(r.status).toBe(201);
      integrities[v] = r.body.integrity as string;
    }
    // The embedded database admits one process: the CLI runs while the server is stopped.
    await server.stop();
  });
  afterAll(() => server?.destroy());

  const cli = (...args: string[]) => unjucksRegistry(args, { env: server.env });

  it('verifies a healthy registry', async () => {
    const r = await cli('verify');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/checked 3 versions: 3 ok, 0 with problems/);
  });

  it('collects only unreferenced blobs past the grace period', async () => {
    const before = (await server.blobKeys()).length;
    // An orphan, as a publish that lost a race or crashed before its row would leave.
    const orphan = randomBytes(64);
    const hex = createHash('sha512').update(orphan).digest('hex');
    if (backend.store === 'fs') {
      await mkdir(dirname(blobPath(server.dataDir, hex)), { recursive: true });
      await writeFile(blobPath(server.dataDir, hex), orphan);
    } else {
      const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
      const s3 = new S3Client({
        endpoint: server.env.S3_ENDPOINT,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      await s3.send(new PutObjectCommand({ Bucket: server.env.S3_BUCKET, Key: `sha512/${hex}`, Body: orphan }));
      s3.destroy();
    }
    expect((await server.blobKeys()).length).toBe(before + 1);

    const young = await cli('gc');
    expect(young.stdout).toMatch(/scanned \d+ blobs: 3 referenced, 0 deleted, 1 unreferenced but within the grace period/);
    const dry = await cli('gc', '--grace', '0s', '--dry-run');
    expect(dry.stdout).toContain(`would delete sha512/${hex}`);
    expect((await server.blobKeys()).length).toBe(before + 1);
    const real = await cli('gc', '--grace', '0s');
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`deleted sha512/${hex}`);
    expect((await server.blobKeys()).length).toBe(before);
    expect((await cli('verify')).code).toBe(0);
  });

  it.runIf(backend.store === 'fs')('reports missing and corrupt blobs, exits 1, and re-links what it can', async () => {
    const v10 = blobPath(server.dataDir, hexOf(integrities['1.0.0']!));
    const v11 = blobPath(server.dataDir, hexOf(integrities['1.1.0']!));
    const saved = await import('node:fs/promises').then((fs) => fs.readFile(v11));
    await rm(v10);
    await writeFile(v11, Buffer.from('not the tarball'));
    const old = new Date(Date.now() - 86400_000);
    await utimes(v11, old, old);
    const r = await cli('verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/missing integrity-pkg@1\.0\.0: no blob at sha512\//);
    expect(r.stdout).toMatch(/corrupt integrity-pkg@1\.1\.0: blob sha512\/\S+ hashes to sha512-/);
    expect(r.stdout).toMatch(/checked 3 versions: 1 ok, 2 with problems, 0 re-linked/);
    const json = JSON.parse((await cli('verify', '--json')).stdout);
    expect(json.problems.map((p: { problem: string }) => p.problem).sort()).toEqual(['corrupt', 'missing']);
    // Restore the bytes: verify is clean again, and nothing was ever deleted.
    await writeFile(v11, saved);
    const again = await cli('verify');
    expect(again.stdout).toMatch(/1 with problems/);

    // A version row pointing at the wrong key, while its bytes are stored under their hash: --repair re-links it.
    const { openDatabase } = await import('../packages/server/dist/index.js');
    const db = await openDatabase({ databaseUrl: server.env.DATABASE_URL ?? null, dataDir: server.dataDir, holder: 'test' });
    await db.db.execute(`update versions set blob_key = 'sha512/${'0'.repeat(128)}' where version = '1.2.0'`);
    await db.close();
    const broken = await cli('verify');
    expect(broken.stdout).toMatch(/missing integrity-pkg@1\.2\.0/);
    const repaired = await cli('verify', '--repair');
    expect(repaired.stdout).toMatch(/missing integrity-pkg@1\.2\.0: .*; re-linked to sha512\//);
    const after = await cli('verify');
    expect(after.stdout).toMatch(/checked 3 versions: 2 ok, 1 with problems/); // 1.0.0's bytes are gone for good
  });
});

// With Postgres the registry runs while an operator repairs: its cached snapshots must take the repair.
describe.runIf(!!process.env.TEST_DATABASE_URL)('verify --repair on a running registry', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ label: 'Postgres + local blobs', db: 'postgres', store: 'fs' });
  });
  afterAll(() => server?.destroy());

  it('serves the re-linked tarball at once, not the broken link it cached', async () => {
    const published = await publishRaw(server.api, server.adminToken, packageTarball('relinked-pkg', '1.0.0'));
    expect(published.status).toBe(201);
    // A version row pointing at a missing blob (as a botched migration would leave it), read by a fresh replica.
    const { openDatabase } = await import('../packages/server/dist/index.js');
    const db = await openDatabase({ databaseUrl: server.env.DATABASE_URL ?? null, dataDir: server.dataDir, holder: 'test' });
    await db.db.execute(`update versions set blob_key = 'sha512/${'0'.repeat(128)}' where version = '1.0.0'`);
    await db.close();
    await server.restart();
    const url = `${server.api}/packages/relinked-pkg/-/relinked-pkg-1.0.0.tgz`;
    expect((await fetch(url)).status).toBe(500);
    expect((await fetch(url)).status).toBe(500);
    const repaired = await unjucksRegistry(['verify', '--repair'], { env: server.env });
    expect(repaired.stdout).toMatch(/missing relinked-pkg@1\.0\.0: .*; re-linked to sha512\//);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(`sha512-${createHash('sha512').update(bytes).digest('base64')}`).toBe(published.body.integrity);
  });
});
