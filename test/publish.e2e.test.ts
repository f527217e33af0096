import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { gzipTar, manifestFor, packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const LIMITS = { MAX_TARBALL_BYTES: String(256 * 1024), MAX_UNPACKED_BYTES: String(1024 * 1024), MAX_FILES: '40' };

describe.each(BACKENDS)('publish on $label', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, LIMITS);
  });
  afterAll(() => server?.destroy());

  const getPackage = (name: string) => fetch(`${server.api}/packages/${name}`);

  it('publishes a tarball and answers 201 with its integrity', async () => {
    const tgz = packageTarball('pub-happy', '1.0.0');
    const res = await publishRaw(server.api, server.adminToken, tgz);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'pub-happy',
      version: '1.0.0',
      integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
      shasum: createHash('sha1').update(tgz).digest('hex'),
      size: tgz.length,
      fileCount: 3,
    });
    const doc = await (await getPackage('pub-happy')).json();
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0' });
  });

  it('answers 200 and changes nothing for an identical retry, 409 for other bytes', async () => {
    const tgz = packageTarball('pub-retry', '1.0.0');
    expect((await publishRaw(server.api, server.adminToken, tgz)).status).toBe(201);
    const before = await (await getPackage('pub-retry')).json();
    const blobs = (await server.blobKeys()).length;

    const retry = await publishRaw(server.api, server.adminToken, tgz);
    expect(retry.status).toBe(200);
    expect(retry.body.created).toBe(false);

    const other = await publishRaw(server.api, server.adminToken, packageTarball('pub-retry', '1.0.0', { salt: 'changed' }));
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('version_exists');
    expect(other.body.error).toMatch(/already exists.*immutable/);

    const after = await (await getPackage('pub-retry')).json();
    expect(after.versions['1.0.0'].dist.integrity).toBe(before.versions['1.0.0'].dist.integrity);
    expect(after.time.modified).toBe(before.time.modified);
    expect((await server.blobKeys()).length).toBe(blobs);
  });

  it('gives exactly one 201 and 19 409s for 20 concurrent publishes of one new version', async () => {
    const tarballs = Array.from({ length: 20 }, (_, i) => packageTarball('pub-race', '1.0.0', { salt: `racer ${i}` }));
    const results = await Promise.all(tarballs.map((t) => publishRaw(server.api, server.adminToken, t)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const winner = results.find((r) => r.status === 201)!;
    const doc = await (await getPackage('pub-race')).json();
    expect(Object.keys(doc.versions)).toEqual(['1.0.0']);
    expect(doc.versions['1.0.0'].dist.integrity).toBe(winner.body.integrity);
    // The stored bytes are the winner's.
    const bytes = Buffer.from(await (await fetch(doc.versions['1.0.0'].dist.tarball)).arrayBuffer());
    expect(`sha512-${createHash('sha512').update(bytes).digest('base64')}`).toBe(winner.body.integrity);
  });

  it('moves latest to the first stable and each higher stable version, never to a prerelease', async () => {
    const pub = (v: string, q = '') => publishRaw(server.api, server.adminToken, packageTarball('pub-tags', v), q);
    expect((await pub('1.0.0-beta.1')).body['dist-tags']).toEqual({});
    expect((await pub('1.0.0')).body['dist-tags']).toEqual({ latest: '1.0.0' });
    expect((await pub('2.0.0-rc.1')).body['dist-tags']).toEqual({ latest: '1.0.0' });
    expect((await pub('1.5.0')).body['dist-tags']).toEqual({ latest: '1.5.0' });
    expect((await pub('1.2.0')).body['dist-tags']).toEqual({ latest: '1.5.0' });
    expect((await pub('3.0.0-beta.1', '?tag=next')).body['dist-tags']).toEqual({ latest: '1.5.0', next: '3.0.0-beta.1' });
    expect((await pub('3.0.0-beta.2', '?tag=1.x')).status).toBe(400);
  });

  // Unreadable uploads are 400, limits 413; a package the validator refuses is 422 with its report.
  // The names each case packs, so the test checks that exactly those were not stored.
  let packed: string[] = [];
  const tarballOf = (name: string, ...rest: Parameters<typeof packageTarball> extends [string, ...infer R] ? R : never) => (
    packed.push(name), packageTarball(name, ...rest)
  );
  const manifestOf = (name: string, ...rest: Parameters<typeof manifestFor> extends [string, ...infer R] ? R : never) => (
    packed.push(name), manifestFor(name, ...rest)
  );
  const badInputs: [string, () => Buffer, number, string | RegExp][] = [
    ['a corrupt gzip', () => Buffer.concat([tarballOf('bad-corrupt', '1.0.0').subarray(0, 20), Buffer.alloc(300, 0x41)]), 400, /gzip|corrupt/],
    [
      'a truncated archive',
      () => {
        const t = tarballOf('bad-trunc', '1.0.0');
        return t.subarray(0, t.length - 40);
      },
      400,
      /gzip|corrupt|end/,
    ],
    ['plain bytes that are not gzip', () => Buffer.from('{"name":"x"}'), 400, /not a gzip/],
    ['a tarball with no manifest', () => gzipTar([{ path: 'package/_templates/g/t/a.njk', content: 'x' }]), 422, 'manifest/missing'],
    [
      'invalid JSON in the manifest',
      () =>
        gzipTar([
          { path: 'package/package.json', content: '{nope' },
          { path: 'package/_templates/g/t/a.njk', content: 'x' },
        ]),
      422,
      'manifest/json',
    ],
    ['a bad semver', () => tarballOf('bad-semver', 'v1.0'), 422, 'manifest/invalid'],
    ['a loose semver', () => tarballOf('bad-semver', '01.2.3'), 422, 'manifest/invalid'],
    ['an uppercase name', () => tarballOf('Bad-Name', '1.0.0'), 422, 'manifest/invalid'],
    ['a name with spaces', () => tarballOf('bad name', '1.0.0'), 422, 'manifest/invalid'],
    ['a name over 214 characters', () => tarballOf('a'.repeat(215), '1.0.0'), 422, 'manifest/invalid'],
    ['a non-ASCII name', () => tarballOf('bäd', '1.0.0'), 422, 'manifest/name-non-ascii'],
    [
      'a bad engines.unjucks range',
      () => tarballOf('bad-engines', '1.0.0', { manifest: manifestOf('bad-engines', '1.0.0', { engines: { unjucks: 'not a range!' } }) }),
      422,
      'manifest/invalid',
    ],
    ['a path with ..', () => tarballOf('bad-dotdot', '1.0.0', { extra: [{ path: 'package/_templates/../../etc/passwd', content: 'x' }] }), 422, 'tar/dotdot'],
    ['an absolute path', () => tarballOf('bad-abs', '1.0.0', { extra: [{ path: '/etc/cron.d/x', content: 'x' }] }), 422, 'tar/absolute-path'],
    ['an entry outside package/', () => tarballOf('bad-outside', '1.0.0', { extra: [{ path: 'other/file', content: 'x' }] }), 422, 'tar/outside-package'],
    ['a backslash path', () => tarballOf('bad-backslash', '1.0.0', { extra: [{ path: 'package\\..\\evil', content: 'x' }] }), 422, 'tar/backslash'],
    ['a drive letter', () => tarballOf('bad-drive', '1.0.0', { extra: [{ path: 'package/C:/evil', content: 'x' }] }), 422, 'tar/drive-letter'],
    [
      'a symlink entry',
      () => tarballOf('bad-symlink', '1.0.0', { extra: [{ path: 'package/_templates/g/t/link', type: '2', linkname: '/etc/passwd' }] }),
      422,
      'tar/link',
    ],
    [
      'a hard link entry',
      () => tarballOf('bad-hardlink', '1.0.0', { extra: [{ path: 'package/_templates/g/t/hl', type: '1', linkname: 'package/package.json' }] }),
      422,
      'tar/link',
    ],
    ['a device entry', () => tarballOf('bad-device', '1.0.0', { extra: [{ path: 'package/dev', type: '3' }] }), 422, 'tar/device'],
    ['a FIFO entry', () => tarballOf('bad-fifo', '1.0.0', { extra: [{ path: 'package/fifo', type: '6' }] }), 422, 'tar/fifo'],
    [
      'names that collide after case folding',
      () =>
        tarballOf('bad-case', '1.0.0', {
          extra: [
            { path: 'package/_templates/g/t/A.njk', content: '1' },
            { path: 'package/_templates/g/t/a.njk', content: '2' },
          ],
        }),
      422,
      'tar/collision',
    ],
    [
      'no templates at all',
      () => gzipTar([{ path: 'package/package.json', content: JSON.stringify(manifestOf('bad-empty', '1.0.0')) }]),
      422,
      'manifest/no-templates',
    ],
    [
      'a compressed size over the limit',
      () => tarballOf('big-compressed', '1.0.0', { extra: [{ path: 'package/_templates/g/t/noise.bin', content: randomish(300 * 1024) }] }),
      413,
      /larger than/,
    ],
    [
      'an unpacked size over the limit',
      () => tarballOf('big-unpacked', '1.0.0', { extra: [{ path: 'package/_templates/g/t/zeros', content: Buffer.alloc(2 * 1024 * 1024, 'a') }] }),
      413,
      /unpacks to more|decompresses/,
    ],
    [
      'more files than the limit',
      () => tarballOf('big-files', '1.0.0', { extra: Array.from({ length: 41 }, (_, i) => ({ path: `package/_templates/g/t/f${i}.njk`, content: `${i}` })) }),
      413,
      /more than 40 files/,
    ],
    ['a gzip bomb', () => gzipSync(Buffer.alloc(64 * 1024 * 1024)), 413, /bomb|unpacks to more/],
  ];

  it.each(badInputs)('refuses %s with a clear error and stores nothing', async (_label, make, status, expected) => {
    const blobsBefore = await server.blobKeys();
    packed = [];
    const body = make();
    const res = await publishRaw(server.api, server.adminToken, body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(typeof res.body.error).toBe('string');
    expect(res.body.code).toBe(status === 422 ? 'validation_failed' : status === 413 ? 'payload_too_large' : 'invalid_tarball');
    if (typeof expected === 'string') {
      const report = res.body.report as { ok: boolean; findings: { rule: string; severity: string; hint: string }[] };
      expect(report.ok).toBe(false);
      expect(report.findings).toContainEqual(expect.objectContaining({ rule: expected, severity: 'error', hint: expect.any(String) }));
      expect(res.body.error).toMatch(/failed validation/);
    } else expect(res.body.error).toMatch(expected);
    expect(await server.blobKeys()).toEqual(blobsBefore);
    // No package row was created for the name this case packed.
    for (const name of packed) {
      const read = await getPackage(name);
      // A name the rules refuse cannot be read back either (400): either way, nothing was stored.
      expect([400, 404], name).toContain(read.status);
    }
  });

  it('refuses an upload whose Content-Length is over the limit before reading it', async () => {
    const res = await fetch(`${server.api}/packages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-length': String(10 * 1024 * 1024) },
      body: Buffer.alloc(10 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body.code).toBe('payload_too_large');
    expect(body.error).toMatch(/larger than/);
  });

  it('keeps serving after hostile uploads', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('pub-after', '1.0.0'))).status).toBe(201);
  });
});

/** Bytes that do not compress, to test the compressed-size limit. */
const randomish = (n: number): Buffer => randomBytes(n);
