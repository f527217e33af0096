import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile, appendFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucks } from './helpers/cli.js';
import { gzipTar, manifestFor, writePackageDir } from './helpers/packages.js';
import { listBlobs, startTestServer, type TestServer } from './helpers/server.js';

const sri = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;
const temps: string[] = [];
const tempDir = async (prefix = 'unjucks-client-') => {
  const d = await mkdtemp(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function listFiles(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true, withFileTypes: true })) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join((e as unknown as { parentPath: string }).parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe.each(BACKENDS)('unjucks CLI against $label', (backend) => {
  let server: TestServer;
  let home: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    home = await mkdtemp(join(tmpdir(), 'unjucks-home-'));
    env = { HOME: home, UNJUCKS_REGISTRY: server.url, UNJUCKS_TOKEN: server.adminToken };
  });
  afterAll(async () => {
    await server?.destroy();
    await rm(home, { recursive: true, force: true });
  });

  it('logs in, writing the config file with mode 0600, and uses it', async () => {
    const r = await unjucks(['login', '--registry', server.url, '--token', server.adminToken], { env: { HOME: home } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/logged in to .* as admin/);
    const path = join(home, '.config/unjucks/config.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ registry: server.url, tokens: { [server.url]: server.adminToken } });
    const dir = await writePackageDir('cli-login', '1.0.0');
    temps.push(dir);
    const pub = await unjucks(['publish', dir], { env: { HOME: home } });
    expect(pub.code).toBe(0);
    const bad = await unjucks(['login', '--registry', server.url, '--token', 'nope'], { env: { HOME: home } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^unjucks: checking the token: the registry answered 401: the token is malformed/);
    // The server's error code travels to the user, on the line and in --json.
    expect(bad.stderr).toMatch(/\(code: unauthorized\)\n$/);
    const json = await unjucks(['login', '--registry', server.url, '--token', 'nope', '--json'], { env: { HOME: home } });
    expect(JSON.parse(json.stdout)).toMatchObject({ code: 'unauthorized' });
  });

  it('publishes a package, then installs it byte for byte with a lockfile', async () => {
    const src = await writePackageDir('@demo/widgets', '1.0.0', { '_templates/api/route/index.njk': '---\nto: api/{{ name }}.ts\n---\nok\n' });
    temps.push(src);
    const blobsBefore = await server.blobKeys();
    const dry = await unjucks(['publish', src, '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('_templates/component/react/.gitignore');
    expect(await server.blobKeys()).toEqual(blobsBefore); // a dry run sends nothing
    expect((await fetch(`${server.api}/packages/@demo%2Fwidgets`)).status).toBe(404);

    const pub = await unjucks(['publish', src], { env });
    expect(pub.stderr).toBe('');
    expect(pub.stdout).toMatch(/^published @demo\/widgets@1\.0\.0\nintegrity: sha512-/);
    const again = await unjucks(['publish', src], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already published @demo\/widgets@1\.0\.0/); // packing is deterministic

    const dest = await tempDir();
    const inst = await unjucks(['install', '@demo/widgets@^1', '--dir', dest], { env: { HOME: home, UNJUCKS_REGISTRY: server.url } });
    expect(inst.stderr).toBe('');
    expect(inst.code).toBe(0);
    expect(await listFiles(dest)).toEqual([
      '_templates/api/route/index.njk',
      '_templates/component/react/.gitignore',
      '_templates/component/react/component.njk',
      '_templates/component/react/setup.sh',
      'unjucks-lock.json',
    ]);
    for (const f of (await listFiles(join(src, '_templates'))).map((f) => `_templates/${f}`)) {
      expect((await readFile(join(dest, f))).equals(await readFile(join(src, f))), f).toBe(true);
    }
    expect((await stat(join(dest, '_templates/component/react/setup.sh'))).mode & 0o111).not.toBe(0);
    const lock = JSON.parse(await readFile(join(dest, 'unjucks-lock.json'), 'utf8'));
    const entry = lock.packages['@demo/widgets'];
    const tgz = Buffer.from(await (await fetch(entry.resolved)).arrayBuffer());
    expect(entry).toEqual({
      version: '1.0.0',
      resolved: `${server.url}/api/v1/packages/@demo/widgets/-/widgets-1.0.0.tgz`,
      integrity: sri(tgz),
      files: Object.fromEntries(
        await Promise.all(
          [
            '_templates/api/route/index.njk',
            '_templates/component/react/.gitignore',
            '_templates/component/react/component.njk',
            '_templates/component/react/setup.sh',
          ].map(async (f) => [f, sri(await readFile(join(dest, f)))]),
        ),
      ),
    });

    // With no argument, install replays the lock exactly.
    await rm(join(dest, '_templates'), { recursive: true });
    const replay = await unjucks(['install', '--dir', dest], { env });
    expect(replay.code).toBe(0);
    expect(await listFiles(dest)).toHaveLength(5);
    expect(JSON.parse(await readFile(join(dest, 'unjucks-lock.json'), 'utf8'))).toEqual(lock);
  });

  it('shows versions, tags and generators with their variables', async () => {
    const src = await writePackageDir('cli-info', '2.1.0');
    temps.push(src);
    await unjucks(['publish', src], { env });
    const r = await unjucks(['info', 'cli-info'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cli-info@2.1.0 — templates for cli-info');
    expect(r.stdout).toContain('dist-tags: latest=2.1.0');
    expect(r.stdout).toContain('component react — a React component');
    expect(r.stdout).toContain('name (string, required): Component name');
    expect(r.stdout).toContain('capabilities: none (writes files only)');
    expect(r.stdout).toMatch(/quality: \d+\/100/);
    const json = JSON.parse((await unjucks(['info', 'cli-info@^2', '--json'], { env })).stdout);
    expect(json).toMatchObject({ name: 'cli-info', version: '2.1.0', versions: ['2.1.0'] });
  });

  it('never overwrites files of another package or changed locally, unless --force', async () => {
    const a = await writePackageDir('cli-own-a', '1.0.0');
    const b = await writePackageDir('cli-own-b', '1.0.0', { '_templates/component/react/component.njk': 'other contents\n' });
    temps.push(a, b);
    expect((await unjucks(['publish', a], { env })).code).toBe(0);
    expect((await unjucks(['publish', b], { env })).code).toBe(0);
    const dest = await tempDir();
    expect((await unjucks(['install', 'cli-own-a', '--dir', dest], { env })).code).toBe(0);
    const lockBefore = await readFile(join(dest, 'unjucks-lock.json'), 'utf8');

    const clash = await unjucks(['install', 'cli-own-b', '--dir', dest], { env });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/component\.njk belongs to cli-own-a.*Nothing was written; use --force/);
    expect(await readFile(join(dest, 'unjucks-lock.json'), 'utf8')).toBe(lockBefore);
    expect(await readFile(join(dest, '_templates/component/react/component.njk'), 'utf8')).not.toBe('other contents\n');

    await appendFile(join(dest, '_templates/component/react/setup.sh'), '# my change\n');
    const changed = await unjucks(['install', 'cli-own-a', '--dir', dest], { env });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/setup\.sh was changed locally/);
    expect(await readFile(join(dest, '_templates/component/react/setup.sh'), 'utf8')).toContain('# my change');

    const forced = await unjucks(['install', 'cli-own-b', '--dir', dest, '--force'], { env });
    expect(forced.code).toBe(0);
    expect(await readFile(join(dest, '_templates/component/react/component.njk'), 'utf8')).toBe('other contents\n');
  });

  it('replays a lock only when every package in it can be installed', async () => {
    const a = await writePackageDir('cli-lock-a', '1.0.0', {}, undefined);
    const b = await writePackageDir(
      'cli-lock-b',
      '1.0.0',
      { '_templates/other/b/b.njk': 'b\n' },
      {
        ...manifestFor('cli-lock-b', '1.0.0'),
        unjucks: { generators: { other: { templates: { b: { description: 'b' } } } } },
      },
    );
    await rm(join(b, '_templates/component'), { recursive: true });
    temps.push(a, b);
    await unjucks(['publish', a], { env });
    await unjucks(['publish', b], { env });
    const dest = await tempDir();
    expect((await unjucks(['install', 'cli-lock-a', 'cli-lock-b', '--dir', dest], { env })).code).toBe(0);
    await rm(join(dest, '_templates/component'), { recursive: true });
    await writeFile(join(dest, '_templates/other/b/b.njk'), 'edited\n');
    const r = await unjucks(['install', '--dir', dest], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not installing cli-lock-b: _templates\/other\/b\/b\.njk was changed locally/);
    // cli-lock-a comes first in the lock, yet none of its files were restored.
    expect(await listFiles(dest)).toEqual(['_templates/other/b/b.njk', 'unjucks-lock.json']);
    expect((await unjucks(['install', '--dir', dest, '--force'], { env })).code).toBe(0);
    expect(await readFile(join(dest, '_templates/other/b/b.njk'), 'utf8')).toBe('b\n');
    expect(await listFiles(dest)).toHaveLength(5);
  });

  it('removes files an upgrade dropped and leaves other files alone', async () => {
    const v1 = await writePackageDir('cli-upgrade', '1.0.0', { '_templates/old/gone/a.njk': 'old\n' });
    const v2 = await writePackageDir('cli-upgrade', '1.1.0');
    temps.push(v1, v2);
    await unjucks(['publish', v1], { env });
    const dest = await tempDir();
    await writeFile(join(dest, 'mine.txt'), 'keep');
    expect((await unjucks(['install', 'cli-upgrade@1.0.0', '--dir', dest], { env })).code).toBe(0);
    await unjucks(['publish', v2], { env });
    const up = await unjucks(['install', 'cli-upgrade', '--dir', dest], { env });
    expect(up.stdout).toMatch(/installed cli-upgrade@1\.1\.0[\s\S]*1 removed/);
    expect(await listFiles(dest)).not.toContain('_templates/old/gone/a.njk');
    expect(await readFile(join(dest, 'mine.txt'), 'utf8')).toBe('keep');
  });

  it('refuses to pack symlinks and explains errors in one line with a non-zero exit', async () => {
    const src = await writePackageDir('cli-symlink', '1.0.0');
    temps.push(src);
    await symlink('/etc/passwd', join(src, '_templates/component/react/passwd'));
    const r = await unjucks(['publish', src], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^unjucks: refusing to pack the symlink _templates\/component\/react\/passwd/);

    const noToken = await writePackageDir('cli-notoken', '1.0.0');
    temps.push(noToken);
    const anon = await unjucks(['publish', noToken], { env: { HOME: await tempDir(), UNJUCKS_REGISTRY: server.url } });
    expect(anon.code).toBe(1);
    expect(anon.stderr).toMatch(/publishing needs a token/);

    const missing = await unjucks(['install', 'no-such-package', '--dir', await tempDir()], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/404: package no-such-package was not found/);

    const down = await unjucks(['info', 'x', '--registry', 'http://127.0.0.1:9'], { env });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the registry at http:\/\/127\.0\.0\.1:9/);

    const badManifest = await writePackageDir('cli-bad', 'v1');
    temps.push(badManifest);
    const bad = await unjucks(['publish', badManifest], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/package.json is invalid: version/);
  });

  it('validates a directory like the registry, grouped by file, and exits non-zero on errors', async () => {
    const good = await writePackageDir('cli-valid', '1.0.0');
    const bad = await writePackageDir('cli-invalid', '1.0.0', {
      '_templates/component/react/component.njk': '---\nto: ../../{{ name }}.tsx\n---\n{{ x.constructor }}\n',
    });
    temps.push(good, bad);
    const ok = await unjucks(['validate', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/0 error\(s\), \d+ warning\(s\); quality \d+\/100/);

    const r = await unjucks(['validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/_templates\/component\/react\/component\.njk\n\s+2:\d+\s+error\s+frontmatter\/to-escapes-root/);
    expect(r.stdout).toMatch(/4:\d+\s+error\s+nunjucks\/unsafe-member/);
    expect(r.stdout).toMatch(/hint: /);
    const json = JSON.parse((await unjucks(['validate', bad, '--json'])).stdout);
    expect(json).toMatchObject({ name: 'cli-invalid', ok: false, errors: 2 });
    expect(json.findings.map((f: { rule: string }) => f.rule)).toEqual(expect.arrayContaining(['frontmatter/to-escapes-root', 'nunjucks/unsafe-member']));

    // publish stops before uploading.
    const blobs = await server.blobKeys();
    const pub = await unjucks(['publish', bad], { env });
    expect(pub.code).toBe(1);
    expect(pub.stderr).toMatch(/not publishing cli-invalid@1\.0\.0: the package has 2 error\(s\)/);
    expect(await server.blobKeys()).toEqual(blobs);
    expect((await fetch(`${server.api}/packages/cli-invalid`)).status).toBe(404);
  });

  it('shows capabilities and installs code-running packages only with --allow-scripts', async () => {
    const src = await writePackageDir('cli-scripts', '1.0.0', {
      '_templates/component/react/component.njk': '---\nto: src/{{ name }}.tsx\nsh: npm install left-pad\n---\nx\n',
    });
    temps.push(src);
    expect((await unjucks(['publish', src], { env })).code).toBe(0);
    const doc = await (await fetch(`${server.api}/packages/cli-scripts/1.0.0`)).json();
    expect(doc.capabilities).toEqual(['shell']);

    const dest = await tempDir();
    const refused = await unjucks(['install', 'cli-scripts', '--dir', dest], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to install cli-scripts@1\.0\.0: it can run code on this machine \(shell: sh: runs "npm install left-pad"/);
    expect(refused.stderr).toMatch(/--allow-scripts/);
    expect(await readdir(dest)).toEqual([]);

    const allowed = await unjucks(['install', 'cli-scripts', '--dir', dest, '--allow-scripts'], { env });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/capabilities: shell/);
    await rm(join(dest, '_templates'), { recursive: true });
    expect((await unjucks(['install', '--dir', dest], { env })).code).toBe(1); // the lock replay asks again
    expect((await unjucks(['install', '--dir', dest, '--allow-scripts'], { env })).code).toBe(0);
  });

  it.runIf(backend.store === 'fs')('aborts an install whose download fails its integrity check, writing nothing', async () => {
    const src = await writePackageDir('cli-tampered', '1.0.0');
    temps.push(src);
    await unjucks(['publish', src], { env });
    // Corrupt the stored blob behind the registry's back.
    const doc = await (await fetch(`${server.api}/packages/cli-tampered/1.0.0`)).json();
    const hex = Buffer.from(doc.dist.integrity.slice(7), 'base64').toString('hex');
    const blob = (await listBlobs(server.dataDir)).find((p) => p.endsWith(hex))!;
    const path = join(server.dataDir, 'blobs', blob);
    const original = await readFile(path);
    const tampered = Buffer.from(original);
    tampered[tampered.length - 5]! ^= 0xff;
    await writeFile(path, tampered);
    try {
      const dest = await tempDir();
      const r = await unjucks(['install', 'cli-tampered', '--dir', dest], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/integrity check failed for cli-tampered@1\.0\.0.*nothing was written/);
      expect(await readdir(dest)).toEqual([]);
    } finally {
      await writeFile(path, original);
    }
  });
});

describe('unjucks install against a hostile registry', () => {
  let fake: Server;
  let url: string;
  const routes = new Map<string, { type: string; body: Buffer }>();
  beforeAll(async () => {
    fake = createServer((req, res) => {
      const r = routes.get(decodeURIComponent(req.url!.split('?')[0]!));
      if (!r) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      res.writeHead(200, { 'content-type': r.type }).end(r.body);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())));

  const serve = (name: string, entries: Parameters<typeof gzipTar>[0]) => {
    const tgz = gzipTar([{ path: 'package/package.json', content: JSON.stringify(manifestFor(name, '1.0.0')) }, ...entries]);
    const version = { name, version: '1.0.0', manifest: { name, version: '1.0.0' }, dist: { tarball: `${url}/t/${name}.tgz`, integrity: sri(tgz) } };
    routes.set(`/api/v1/packages/${name}`, {
      type: 'application/json',
      body: Buffer.from(JSON.stringify({ name, 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': version } })),
    });
    routes.set(`/t/${name}.tgz`, { type: 'application/octet-stream', body: tgz });
  };

  it.each([
    ['a .. path', 'evil-dotdot', [{ path: 'package/_templates/../../../escaped.txt', content: 'pwned' }]],
    [
      'a symlink',
      'evil-link',
      [
        { path: 'package/_templates/g/t/x', type: '2' as const, linkname: '/etc/passwd' },
        { path: 'package/_templates/g/t/a.njk', content: 'a' },
      ],
    ],
    ['an absolute path', 'evil-abs', [{ path: '/tmp/escaped-abs.txt', content: 'pwned' }]],
  ])('refuses a tarball with %s even when its integrity matches, writing nothing', async (_label, name, entries) => {
    serve(name, entries as Parameters<typeof gzipTar>[0]);
    const parent = await tempDir();
    const dest = join(parent, 'project');
    const r = await unjucks(['install', name, '--dir', dest, '--registry', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not valid/);
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses to write through a symlinked folder inside the destination', async () => {
    serve('evil-via-link', [{ path: 'package/_templates/g/t/a.njk', content: 'a' }]);
    const dest = await tempDir();
    const outside = await tempDir();
    await symlink(outside, join(dest, '_templates'));
    const r = await unjucks(['install', 'evil-via-link', '--dir', dest, '--registry', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a symlink/);
    expect(await readdir(outside)).toEqual([]);
  });
});
