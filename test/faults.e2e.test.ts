import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { manifestFor, packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('storage outage', () => {
  let dir: string;
  let port: number;
  let s3: { close(): Promise<void> } | null = null;
  let server: TestServer;
  const bucket = 'outage';
  const startS3 = async () => {
    s3 = new S3rver({ address: '127.0.0.1', port, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
    await (s3 as unknown as { run(): Promise<unknown> }).run();
  };
  const stored = async () => {
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key);
    client.destroy();
    return keys;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'unjucks-outage-'));
    port = await freePort();
    await startS3();
    // The helper sets up no storage for an 'fs' backend; these variables point the server at this s3rver.
    server = await startTestServer(
      { label: 'outage', db: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite', store: 'fs' },
      {
        S3_BUCKET: bucket,
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        BLOB_CACHE_BYTES: '0',
      },
    );
  });
  afterAll(async () => {
    await server?.destroy();
    await s3?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 for publishes and downloads, keeps metadata and search, and recovers by itself', async () => {
    const m = manifestFor('outage-pkg', '1.0.0', { description: 'Outage survivor templates' });
    expect((await publishRaw(server.api, server.adminToken, packageTarball('outage-pkg', '1.0.0', { manifest: m }))).status).toBe(201);
    const before = await stored();
    expect(before).toHaveLength(1);

    await s3!.close();
    s3 = null;

    const pub = await publishRaw(server.api, server.adminToken, packageTarball('outage-pkg', '1.1.0'));
    expect(pub.status).toBe(503);
    expect(pub.headers.get('retry-after')).toBeTruthy();
    expect(pub.body.error).toMatch(/^storage \(S3 bucket outage at http:\/\/127\.0\.0\.1:\d+\) is unavailable: .*nothing was stored; try again shortly$/);
    const download = await fetch(`${server.api}/packages/outage-pkg/-/outage-pkg-1.0.0.tgz`);
    expect(download.status).toBe(503);
    // Metadata and search come from Postgres and memory: they keep working.
    const doc = await (await fetch(`${server.api}/packages/outage-pkg`)).json();
    expect(Object.keys(doc.versions)).toEqual(['1.0.0']);
    const found = await (await fetch(`${server.api}/search?q=outage`)).json();
    expect(found.objects.map((o: { package: { name: string } }) => o.package.name)).toEqual(['outage-pkg']);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks.database).toBe('ok');

    await startS3();
    expect(await stored()).toEqual(before); // the refused publish left nothing behind
    expect((await publishRaw(server.api, server.adminToken, packageTarball('outage-pkg', '1.1.0'))).status).toBe(201);
    expect((await fetch(`${server.api}/packages/outage-pkg/-/outage-pkg-1.0.0.tgz`)).status).toBe(200);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });
});

/** A TCP proxy in front of Postgres that a test can cut (refusing and resetting connections) and restore. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}
  up() {
    return new Promise<void>((resolve) => {
      this.server = createServer((client) => {
        const upstream = connect(this.target.port, this.target.host);
        for (const s of [client, upstream]) {
          this.sockets.add(s);
          s.on('close', () => this.sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      }).listen(this.port, '127.0.0.1', () => resolve());
    });
  }
  down() {
    for (const s of this.sockets) s.destroy();
    return new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe.runIf(!!process.env.TEST_DATABASE_URL)('database outage', () => {
  let proxy: CuttableProxy;
  let server: TestServer;
  let dropDb: () => Promise<void>;
  beforeAll(async () => {
    const { createTestDatabase } = await import('./helpers/server.js');
    const db = await createTestDatabase();
    dropDb = db.drop;
    const url = new URL(db.url);
    proxy = new CuttableProxy(await freePort(), { host: url.hostname, port: Number(url.port || 5432) });
    await proxy.up();
    url.host = `127.0.0.1:${proxy.port}`;
    server = await startTestServer({ label: 'db outage', db: 'pglite', store: 'fs' }, { DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await server?.destroy();
    await proxy?.down();
    await dropDb?.();
  });

  it('answers 503 quickly while the database is down, and recovers without a restart', async () => {
    const m = manifestFor('db-outage-pkg', '1.0.0', { description: 'Weathering database outages' });
    expect((await publishRaw(server.api, server.adminToken, packageTarball('db-outage-pkg', '1.0.0', { manifest: m }))).status).toBe(201);

    await proxy.down();
    const t0 = Date.now();
    const meta = await fetch(`${server.api}/packages/db-outage-pkg`);
    expect(meta.status).toBe(503);
    expect((await meta.json()).error).toMatch(/database is unavailable/);
    const pub = await publishRaw(server.api, server.adminToken, packageTarball('db-outage-pkg', '1.1.0'));
    expect(pub.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(5000);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks).toMatchObject({ storage: 'ok', database: expect.not.stringMatching(/^ok$/) });
    // Search lives in memory and keeps answering.
    const found = await (await fetch(`${server.api}/search?q=weathering`)).json();
    expect(found.objects.map((o: { package: { name: string } }) => o.package.name)).toEqual(['db-outage-pkg']);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);

    // One outage is one "dropped" line: each failed reconnect used to start another reconnect
    // loop, so the lines (and the loops, and the memory) multiplied while the database was away.
    await new Promise((r) => setTimeout(r, 3000));
    const dropped = server
      .stdout()
      .split('\n')
      .filter((l) => l.includes('the notification connection dropped')).length;
    expect(dropped).toBe(1);

    await proxy.up();
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await fetch(`${server.url}/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    expect((await fetch(`${server.api}/packages/db-outage-pkg`)).status).toBe(200);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('db-outage-pkg', '1.1.0'))).status).toBe(201);
    // The search listener came back too: a publish after the outage is found.
    expect((await (await fetch(`${server.api}/search?q=db-outage-pkg`)).json()).objects[0].package.version).toBe('1.1.0');
  });
});

describe.runIf(!!process.env.TEST_DATABASE_URL)('a replica killed with SIGKILL during a burst of publishes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ label: 'sigkill', db: 'postgres', store: 's3' });
  });
  afterAll(() => server?.destroy());

  it('never shows a version without its blob or with other bytes; gc reclaims what the crash left', async () => {
    const { unjucksRegistry } = await import('./helpers/cli.js');
    const tarballs = Array.from({ length: 60 }, (_, i) =>
      packageTarball(`crash-${i % 6}`, `1.0.${Math.floor(i / 6)}`, { extra: [{ path: 'package/_templates/g/t/big.bin', content: Buffer.alloc(200_000, i) }] }),
    );
    // Kill once a few publishes have landed, while the rest are in flight.
    let done = 0;
    const burst = Promise.allSettled(tarballs.map((t) => publishRaw(server.api, server.adminToken, t).then((r) => (r.status === 201 && done++, r))));
    const deadline = Date.now() + 20_000;
    while (done < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await server.signal('SIGKILL')).toBe(null);
    const settled = await burst;
    const created = settled.filter((s) => s.status === 'fulfilled' && s.value.status === 201).length;
    expect(created).toBeGreaterThanOrEqual(5);
    expect(created).toBeLessThan(60); // the kill really landed mid-burst

    await server.restart();
    // Every version that is visible downloads with exactly the bytes its integrity names.
    const verify = await unjucksRegistry(['verify', '--json'], { env: server.env });
    const report = JSON.parse(verify.stdout);
    expect(report.problems).toEqual([]);
    expect(verify.code).toBe(0);
    for (let p = 0; p < 6; p++) {
      const res = await fetch(`${server.api}/packages/crash-${p}`);
      if (res.status === 404) continue;
      const doc = await res.json();
      for (const v of Object.values(doc.versions) as { dist: { tarball: string; integrity: string } }[]) {
        const bytes = Buffer.from(await (await fetch(v.dist.tarball)).arrayBuffer());
        const { createHash } = await import('node:crypto');
        expect(`sha512-${createHash('sha512').update(bytes).digest('base64')}`).toBe(v.dist.integrity);
      }
    }
    // Blobs stored by publishes that died before their row are orphans: gc takes them, verify stays clean.
    const gc = await unjucksRegistry(['gc', '--grace', '0s'], { env: server.env });
    expect(gc.code).toBe(0);
    expect((await unjucksRegistry(['verify'], { env: server.env })).code).toBe(0);
    const keys = await server.blobKeys();
    expect(gc.stdout).toMatch(new RegExp(`scanned \\d+ blobs: ${keys.length} referenced`));
    expect(keys.length).toBeGreaterThanOrEqual(created);
  });
});
