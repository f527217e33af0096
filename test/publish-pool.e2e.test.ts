import { createHash } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, sampleOf } from './helpers/metrics.js';
import { manifestFor, packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * With a Postgres server, a replica stores published versions in worker threads, each with its own
 * database pool and blob store (packages/server/src/publish-pool/). Every publish test of the
 * end-to-end suites goes through them when TEST_DATABASE_URL is set; these check what is the
 * pool's own: that the work really runs there, and that what it answers and counts crosses back
 * as it would from the event loop. PGlite cannot be shared with a thread: without a Postgres
 * server there is no pool to test.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('publishes stored in worker threads', () => {
  let server: TestServer;
  let sql: postgres.Sql;
  const metrics = () => metricsText(server, 'pool-metrics');

  beforeAll(async () => {
    server = await startTestServer({ label: 'publish pool', db: 'postgres', store: 'fs' }, { VALIDATE_THREADS: '2', METRICS_TOKEN: 'pool-metrics' });
    sql = postgres(server.env.DATABASE_URL!, { max: 2, onnotice: () => undefined });
  });
  afterAll(async () => {
    await sql?.end();
    await server?.destroy();
  });

  it("runs the publish's transaction on the worker's own connections, and the replica reads the version at once", async () => {
    expect((await publishRaw(server.api, server.adminToken, packageTarball('pool-pkg', '1.0.0'))).status).toBe(201);
    // Hold the package's row lock: the next publish waits for it inside its transaction, where
    // pg_stat_activity shows which connection, of which pool, is waiting.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = sql.begin(async (tx) => {
      await tx`select id from packages where name = 'pool-pkg' for update`;
      locked();
      await released;
    });
    await isLocked;
    // Larger than Node's shared buffer pool takes (4 KiB): its bytes are moved to the worker, not copied.
    // Digits gzip cannot shrink much (each from a hash): no pattern, and nothing like a secret.
    const digits = Array.from({ length: 750 }, (_, i) => [...createHash('sha256').update(String(i)).digest()].map((b) => b % 10).join('')).join('\n');
    const tgz = packageTarball('pool-pkg', '1.1.0', { extra: [{ path: 'package/docs/digits.md', content: `# Digits\n\n${digits}\n` }] });
    expect(tgz.length).toBeGreaterThan(8192);
    const publishing = publishRaw(server.api, server.adminToken, tgz);
    let waiting: { application_name: string; query: string }[] = [];
    for (let i = 0; i < 200 && waiting.length === 0; i++) {
      waiting = await sql<{ application_name: string; query: string }[]>`
        select application_name, query from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query ilike '%from packages where name = % for update%'`;
      if (waiting.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    // Named after the replica's own pool, and counted beside it: the one waiting is active.
    const counted = await metrics();
    const names = await sql<{ application_name: string }[]>`
      select distinct application_name from pg_stat_activity where application_name like ${`unjucks-registry/${server.pid()}/%`}`;
    release();
    await holding;
    expect(waiting.map((w) => w.application_name)).toEqual([expect.stringMatching(new RegExp(`^unjucks-registry/${server.pid()}/[a-z0-9]+/publish$`))]);
    expect(names.map((n) => n.application_name)).toContain(waiting[0]!.application_name.replace(/\/publish$/, ''));
    // Two workers of two connections each.
    expect(sampleOf(counted, 'unjucks_db_publish_connections{state="max"}')).toBe(4);
    expect(sampleOf(counted, 'unjucks_db_publish_connections{state="active"}')).toBeGreaterThanOrEqual(1);

    const res = await publishing;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'pool-pkg', version: '1.1.0', created: true, 'dist-tags': { latest: '1.1.0' } });
    // Done, the workers' connections are idle, while the pool's own one is busy answering the scrape:
    // the gauge counts the workers' connections, not the pool's.
    const settled = await metrics();
    expect(sampleOf(settled, 'unjucks_db_publish_connections{state="active"}')).toBe(0);
    expect(sampleOf(settled, 'unjucks_db_publish_connections{state="idle"}')).toBeGreaterThanOrEqual(1);
    expect(sampleOf(settled, 'unjucks_db_pool_connections{state="active"}')).toBeGreaterThanOrEqual(1);
    // The phases: the body read here, the wait for the worker, the worker's own, then this replica's.
    expect(res.headers.get('server-timing')).toMatch(
      /^read;dur=[\d.]+, queue;dur=[\d.]+, validate;dur=[\d.]+, checks;dur=[\d.]+, .*tx;dur=[\d.]+, after-change;dur=[\d.]+, heard;dur=[\d.]+, total;dur=[\d.]+$/,
    );
    // Read-your-writes on the publishing replica: the next read already has the version.
    const doc = (await (await fetch(`${server.api}/packages/pool-pkg`)).json()) as { 'dist-tags': Record<string, string>; versions: Record<string, unknown> };
    expect(doc['dist-tags'].latest).toBe('1.1.0');
    expect(Object.keys(doc.versions).sort()).toEqual(['1.0.0', '1.1.0']);
    const download = await fetch(`${server.api}/packages/pool-pkg/-/pool-pkg-1.1.0.tgz`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(tgz)).toBe(true);
    const found = (await (await fetch(`${server.api}/search?q=pool-pkg`)).json()) as { objects: { package: { name: string; version: string } }[] };
    expect(found.objects.map((o) => [o.package.name, o.package.version])).toContainEqual(['pool-pkg', '1.1.0']);
  });

  it('answers refusals as a publish on the event loop does, and counts the work in the replica metrics', async () => {
    const before = await metrics();
    expect((await publishRaw(server.api, server.adminToken, packageTarball('pool-counted', '1.0.0'))).status).toBe(201);
    // A publish's queries are the worker's (some 15: checks, transaction, search document); this
    // thread sends two or three (the audit entry, the search index's refresh).
    expect(sampleOf(await metrics(), 'unjucks_db_queries_total') - sampleOf(before, 'unjucks_db_queries_total')).toBeGreaterThanOrEqual(12);

    // A validation failure: 422 with the whole report, counted by rule.
    const bad = await publishRaw(server.api, server.adminToken, packageTarball('pool-counted', 'v2'));
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('validation_failed');
    expect((bad.body.report as { findings: { rule: string }[] }).findings.map((f) => f.rule)).toContain('manifest/invalid');
    // Immutability: the same number with other bytes is a 409, the same bytes a 200.
    const other = await publishRaw(server.api, server.adminToken, packageTarball('pool-counted', '1.0.0', { salt: 'other' }));
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('version_exists');
    expect(other.body.error).toMatch(/already exists with other contents/);
    const again = await publishRaw(server.api, server.adminToken, packageTarball('pool-counted', '1.0.0'));
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);

    // npm's document must name what the tarball does: checked in the worker, answered in npm's shape.
    const tgz = packageTarball('pool-counted', '1.0.1');
    const npmPut = await fetch(`${server.url}/pool-counted`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'pool-counted',
        'dist-tags': { latest: '1.0.2' },
        versions: { '1.0.2': manifestFor('pool-counted', '1.0.2') },
        _attachments: { 'pool-counted-1.0.2.tgz': { content_type: 'application/octet-stream', data: tgz.toString('base64'), length: tgz.length } },
      }),
    });
    expect(npmPut.status).toBe(400);
    expect(((await npmPut.json()) as { error: string }).error).toBe(
      "the tarball's package.json is pool-counted@1.0.1, but the document publishes pool-counted@1.0.2",
    );

    const after = await metrics();
    const delta = (series: string) => sampleOf(after, series) - sampleOf(before, series);
    expect(delta('unjucks_publishes_total{result="created"}')).toBe(1);
    expect(delta('unjucks_publishes_total{result="retry"}')).toBe(1);
    expect(delta('unjucks_publishes_total{result="rejected"}')).toBe(1);
    expect(delta('unjucks_publish_rejections_total{rule="manifest/invalid"}')).toBe(1);
    // The worker's blob write is the replica's too.
    expect(delta('unjucks_storage_operation_duration_seconds_count{op="put"}')).toBe(1);
  });

  it('answers 503 when the worker cannot store the blob, and leaves no version behind', async () => {
    const blobs = join(server.dataDir, 'blobs');
    await rename(blobs, `${blobs}.away`);
    // A file where the folder was: no blob can be written under it, whoever the server runs as.
    await writeFile(blobs, 'not a folder');
    try {
      const res = await publishRaw(server.api, server.adminToken, packageTarball('pool-outage', '1.0.0'));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body.error).toMatch(/^storage \(local blobs in .*\) is unavailable: .*nothing was stored; try again shortly$/);
      expect(await sql`select 1 from versions v join packages p on p.id = v.package_id where p.name = 'pool-outage'`).toHaveLength(0);
      expect(sampleOf(await metrics(), 'unjucks_storage_errors_total{op="put"}')).toBeGreaterThanOrEqual(1);
    } finally {
      await rm(blobs);
      await rename(`${blobs}.away`, blobs);
    }
    expect((await publishRaw(server.api, server.adminToken, packageTarball('pool-outage', '1.0.0'))).status).toBe(201);
  });
});
