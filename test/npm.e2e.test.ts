import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucks } from './helpers/cli.js';
import { npmUser, type NpmUser } from './helpers/npm.js';
import { packageTarball, writePackageDir } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Conformance: the machine's real npm and pnpm binaries against a started registry, each user
 * with their own HOME, .npmrc and cache; --prefer-online after writes.
 */
describe.each(BACKENDS)('npm and pnpm against the registry on $label', (backend) => {
  let server: TestServer;
  let root: string;
  let admin: NpmUser;
  beforeAll(async () => {
    server = await startTestServer(backend);
    root = await mkdtemp(join(tmpdir(), 'unjucks-npm-'));
    admin = await npmUser(join(root, 'admin'), server.url, server.adminToken);
  });
  afterAll(async () => {
    await server?.destroy();
    await rm(root, { recursive: true, force: true });
  });

  const ok = async (r: Promise<{ code: number; stdout: string; stderr: string }>) => {
    const res = await r;
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    return res.stdout;
  };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', ...(init.headers as object) },
    });

  it('pings, answers whoami, and refuses a bad token with a clear 401', async () => {
    const ping = await admin.npm(['ping', '--loglevel', 'notice']);
    expect(ping.code).toBe(0);
    expect(ping.stderr).toMatch(/PONG/);
    expect((await ok(admin.npm(['whoami']))).trim()).toBe('admin');
    const stranger = await npmUser(join(root, 'stranger'), server.url, 'not-a-token');
    const r = await stranger.npm(['whoami']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/401/);
    const res = await fetch(`${server.url}/-/whoami`, { headers: { authorization: 'Bearer nope' } });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.headers.get('www-authenticate')).not.toMatch(/otp/i);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/malformed/), message: expect.stringMatching(/malformed/) });
    // Metrics and logs name the route that answered, not a catch-all package route that also matched.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/unjucks_http_requests_total\{method="GET",route="\/-\/whoami",status="200"\} [1-9]/);
  });

  it('publishes, refuses a re-publish, views the full document and installs with integrity', async () => {
    const dir = await writePackageDir('@npmco/tmpl', '1.0.0');
    await ok(admin.npm(['publish'], { cwd: dir }));
    const again = await admin.npm(['publish'], { cwd: dir });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/You cannot publish over the previously published versions: 1\.0\.0/);

    const view = JSON.parse(await ok(admin.npm(['view', '@npmco/tmpl', '--json', '--prefer-online'])));
    expect(view).toMatchObject({
      _id: '@npmco/tmpl@1.0.0',
      name: '@npmco/tmpl',
      'dist-tags': { latest: '1.0.0' },
      versions: ['1.0.0'],
      maintainers: [{ name: 'admin', email: '' }],
      dist: {
        tarball: `${server.url}/@npmco/tmpl/-/tmpl-1.0.0.tgz`,
        shasum: expect.stringMatching(/^[0-9a-f]{40}$/),
        integrity: expect.stringMatching(/^sha512-/),
        fileCount: expect.any(Number),
        unpackedSize: expect.any(Number),
      },
    });
    expect(view.time).toMatchObject({ created: expect.any(String), modified: expect.any(String), '1.0.0': expect.any(String) });
    const doc = await (await fetch(`${server.url}/@npmco%2ftmpl`)).json();
    expect(doc).toMatchObject({
      _id: '@npmco/tmpl',
      _rev: expect.stringMatching(/^\d+-[0-9a-f]+$/),
      readme: expect.stringContaining('@npmco/tmpl'),
      _attachments: {},
    });
    expect(doc.versions['1.0.0']._id).toBe('@npmco/tmpl@1.0.0');
    const corgi = await fetch(`${server.url}/@npmco/tmpl`, { headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' } });
    expect(corgi.headers.get('content-type')).toMatch(/^application\/vnd\.npm\.install-v1\+json/);
    expect(corgi.headers.get('cache-control')).toBe('no-cache');
    const abbreviated = await corgi.json();
    expect(Object.keys(abbreviated).sort()).toEqual(['dist-tags', 'modified', 'name', 'time', 'versions']);
    const etag = corgi.headers.get('etag')!;
    expect((await fetch(`${server.url}/@npmco%2Ftmpl`, { headers: { accept: 'application/vnd.npm.install-v1+json', 'if-none-match': etag } })).status).toBe(
      304,
    );
    expect((await fetch(`${server.url}/@npmco%2ftmpl?write=true`)).headers.get('cache-control')).toBe('no-store');
    expect(await (await fetch(`${server.url}/@npmco%2ftmpl/1.0.0`)).json()).toMatchObject({
      _id: '@npmco/tmpl@1.0.0',
      dist: { integrity: view.dist.integrity },
    });

    const project = join(root, 'project');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'package.json'), '{ "name": "project", "version": "1.0.0" }');
    await ok(admin.npm(['install', '@npmco/tmpl@^1', '--prefer-online'], { cwd: project }));
    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@npmco/tmpl']).toMatchObject({
      version: '1.0.0',
      resolved: `${server.url}/@npmco/tmpl/-/tmpl-1.0.0.tgz`,
      integrity: view.dist.integrity,
    });
    expect(await readFile(join(project, 'node_modules/@npmco/tmpl/_templates/component/react/component.njk'), 'utf8')).toContain('to: src/');
  });

  it('adds, lists and removes dist-tags; deprecates and undeprecates', async () => {
    await ok(admin.npm(['publish'], { cwd: await writePackageDir('npm-tags', '1.0.0') }));
    await ok(admin.npm(['publish', '--tag', 'next'], { cwd: await writePackageDir('npm-tags', '2.0.0-rc.1') }));
    await ok(admin.npm(['dist-tag', 'add', 'npm-tags@1.0.0', 'stable']));
    expect(await ok(admin.npm(['dist-tag', 'ls', 'npm-tags']))).toBe('latest: 1.0.0\nnext: 2.0.0-rc.1\nstable: 1.0.0\n');
    await ok(admin.npm(['dist-tag', 'rm', 'npm-tags', 'stable']));
    expect(await ok(admin.npm(['dist-tag', 'ls', 'npm-tags']))).not.toContain('stable');

    await ok(admin.npm(['deprecate', 'npm-tags@1.0.0', 'use 2.x']));
    expect((await ok(admin.npm(['view', 'npm-tags@1.0.0', 'deprecated', '--prefer-online']))).trim()).toBe('use 2.x');
    const corgi = await (await fetch(`${server.url}/npm-tags`, { headers: { accept: 'application/vnd.npm.install-v1+json' } })).json();
    expect(corgi.versions['1.0.0'].deprecated).toBe('use 2.x');
    expect((await (await fetch(`${server.api}/packages/npm-tags/1.0.0`)).json()).deprecated).toBe('use 2.x');
    await ok(admin.npm(['deprecate', 'npm-tags@1.0.0', '']));
    expect((await ok(admin.npm(['view', 'npm-tags@1.0.0', 'deprecated', '--prefer-online']))).trim()).toBe('');
  });

  it('unpublishes a version (latest moves) and a whole package, never reusing a number', async () => {
    for (const v of ['1.0.0', '1.1.0']) await ok(admin.npm(['publish'], { cwd: await writePackageDir('npm-gone', v) }));
    await ok(admin.npm(['unpublish', 'npm-gone@1.1.0']));
    const view = JSON.parse(await ok(admin.npm(['view', 'npm-gone', '--json', '--prefer-online'])));
    expect(view['dist-tags']).toEqual({ latest: '1.0.0' });
    expect(view.versions).toEqual(['1.0.0']);
    expect((await fetch(`${server.url}/npm-gone/-/npm-gone-1.1.0.tgz`)).status).toBe(404);
    const reuse = await admin.npm(['publish'], { cwd: await writePackageDir('npm-gone', '1.1.0') });
    expect(reuse.code).not.toBe(0);
    expect(reuse.stderr).toMatch(/cannot publish over the previously published versions: 1\.1\.0/);
    // The tarball DELETE alone removes a live version (another client may skip the PUT); anonymous is 401.
    await ok(admin.npm(['publish'], { cwd: await writePackageDir('npm-gone', '1.2.0') }));
    expect((await fetch(`${server.url}/npm-gone/-/npm-gone-1.2.0.tgz/-rev/9-x`, { method: 'DELETE' })).status).toBe(401);
    expect((await api('/npm-gone/-/npm-gone-1.2.0.tgz/-rev/9-x', { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${server.url}/npm-gone/1.2.0`)).status).toBe(404);
    await ok(admin.npm(['unpublish', 'npm-gone', '--force']));
    const gone = await admin.npm(['view', 'npm-gone', '--prefer-online']);
    expect(gone.stderr).toMatch(/404/);
  });

  it('lists owners and adds one through npm owner', async () => {
    await ok(admin.npm(['publish'], { cwd: await writePackageDir('npm-owned', '1.0.0') }));
    expect((await api('/api/v1/users', { method: 'POST', body: JSON.stringify({ name: 'npmbob', password: 'npmbob-password' }) })).status).toBe(201);
    expect(await ok(admin.npm(['owner', 'ls', 'npm-owned']))).toMatch(/^admin/);
    expect((await fetch(`${server.url}/-/user/org.couchdb.user:npmbob`)).status).toBe(401);
    await ok(admin.npm(['owner', 'add', 'npmbob', 'npm-owned']));
    expect(await ok(admin.npm(['owner', 'ls', 'npm-owned', '--prefer-online']))).toMatch(/npmbob/);
    const access = await (await api('/api/v1/packages/npm-owned/access')).json();
    expect(access.grants).toEqual(expect.arrayContaining([{ principal: 'npmbob', kind: 'user', role: 'owner' }]));
    await ok(admin.npm(['owner', 'rm', 'npmbob', 'npm-owned']));
    expect(await ok(admin.npm(['owner', 'ls', 'npm-owned', '--prefer-online']))).not.toMatch(/npmbob/);
  });

  it("searches with the registry engine in npm's shape", async () => {
    await ok(admin.npm(['publish'], { cwd: await writePackageDir('npm-findme', '1.0.0') }));
    const hits = JSON.parse(await ok(admin.npm(['search', 'npm-findme', '--json'])));
    expect(hits[0]).toMatchObject({ name: 'npm-findme', version: '1.0.0', maintainers: [{ username: 'admin' }], publisher: { username: 'admin' } });
  });

  it('logs in with a password, creates, lists and revokes tokens', async () => {
    expect((await api('/api/v1/users', { method: 'POST', body: JSON.stringify({ name: 'npmtok', password: 'npmtok-password' }) })).status).toBe(201);
    expect((await fetch(`${server.url}/-/v1/login`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(404);
    const wrong = await fetch(`${server.url}/-/user/org.couchdb.user:npmtok`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'npmtok', password: 'nope-nope' }),
    });
    expect(wrong.status).toBe(401);
    const login = await fetch(`${server.url}/-/user/org.couchdb.user:npmtok`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _id: 'org.couchdb.user:npmtok', name: 'npmtok', password: 'npmtok-password', type: 'user', roles: [] }),
    });
    expect(login.status).toBe(201);
    const { token } = (await login.json()) as { token: string };
    const user = await npmUser(join(root, 'npmtok'), server.url, token);
    expect((await ok(user.npm(['whoami']))).trim()).toBe('npmtok');

    const created = JSON.parse(await ok(user.npm(['token', 'create', '--name', 'ci', '--password', 'npmtok-password', '--json'])));
    expect(created).toMatchObject({ token: expect.any(String), name: 'ci', readonly: false });
    const listed = await ok(user.npm(['token', 'list']));
    expect(listed).not.toContain(created.token);
    // npm shows each token's id (a prefix of its key) and revokes by it.
    const id = /with id (\S+) name ci\b/.exec(listed)?.[1];
    expect(id).toMatch(/^[0-9a-f]{6}/);
    await ok(user.npm(['token', 'revoke', id!]));
    expect((await fetch(`${server.url}/-/whoami`, { headers: { authorization: `Bearer ${created.token}` } })).status).toBe(401);
    const badPassword = await user.npm(['token', 'create', '--name', 'x', '--password', 'wrong-one', '--json']);
    expect(badPassword.code).not.toBe(0);

    await ok(user.npm(['logout']));
    expect((await fetch(`${server.url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it("shows the validator's message and the permission message in npm's output", async () => {
    const bad = await admin.npm(['publish'], {
      cwd: await writePackageDir('npm-bad', '1.0.0', { '_templates/x/y/evil.njk': '---\nto: src/a.ts\n---\n{{ range.constructor("return process")() }}\n' }),
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/422 Unprocessable Entity .* the package failed validation/);
    expect((await fetch(`${server.url}/npm-bad`)).status).toBe(404);
    const audit = await (await api('/api/v1/audit?action=package.publish&outcome=failed')).json();
    expect(audit.records[0]).toMatchObject({ actor: 'admin', target: 'npm-bad', status: 422, detail: { via: 'npm', version: '1.0.0' } });

    await ok(admin.npm(['publish'], { cwd: await writePackageDir('npm-theirs', '1.0.0') }));
    expect((await api('/api/v1/users', { method: 'POST', body: JSON.stringify({ name: 'npmeve', password: 'npmeve-password' }) })).status).toBe(201);
    const login = await (await api('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ username: 'npmeve', password: 'npmeve-password' }) })).json();
    const eve = await npmUser(join(root, 'npmeve'), server.url, login.token);
    const denied = await eve.npm(['publish'], { cwd: await writePackageDir('npm-theirs', '1.1.0') });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/403 Forbidden .* user npmeve may not "publish:update" npm-theirs/);
  });

  it('takes publish documents as npm sends them: recomputes dist, keeps a .sigstore bundle, refuses mismatches', async () => {
    const put = (name: string, body: unknown) =>
      fetch(`${server.url}/${name.replace('/', '%2f')}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const doc = (name: string, version: string, tarball: Buffer, extra: Record<string, unknown> = {}) => ({
      _id: name,
      name,
      'dist-tags': { latest: version },
      versions: { [version]: { name, version, dist: { shasum: '0'.repeat(40), integrity: 'sha512-forged', tarball: 'https://evil.example/x.tgz' } } },
      access: null,
      _attachments: {
        [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length },
        ...extra,
      },
    });
    const before = (await server.blobKeys()).length;
    const t = packageTarball('@npmco/signed', '1.0.0');
    const sigstore = {
      'npmco-signed-1.0.0.sigstore': { content_type: 'application/vnd.dev.sigstore.bundle+json', data: Buffer.from('{"bundle":true}').toString('base64') },
    };
    const res = await put('@npmco/signed', doc('@npmco/signed', '1.0.0', t, sigstore));
    expect(res.status).toBe(201);
    expect((await server.blobKeys()).length).toBe(before + 2);
    const v = (await (await fetch(`${server.url}/@npmco%2fsigned/1.0.0`)).json()) as { dist: Record<string, string> };
    expect(v.dist.shasum).toBe(createHash('sha1').update(t).digest('hex'));
    expect(v.dist.integrity).toBe(`sha512-${createHash('sha512').update(t).digest('base64')}`);
    expect(v.dist.tarball).toBe(`${server.url}/@npmco/signed/-/signed-1.0.0.tgz`);
    // The same document again is a retry, not an error.
    expect((await put('@npmco/signed', doc('@npmco/signed', '1.0.0', t))).status).toBe(200);

    const other = await put('@npmco/other-name', doc('@npmco/other-name', '1.0.0', packageTarball('@npmco/mismatch', '1.0.0')));
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: string }).error).toMatch(/tarball's package.json is @npmco\/mismatch@1\.0\.0/);
    expect((await put('npm-empty', doc('npm-empty', '1.0.0', Buffer.alloc(0)))).status).toBe(400);
    expect((await put('npm-two', { ...doc('npm-two', '1.0.0', t), versions: { '1.0.0': {}, '1.0.1': {} } })).status).toBe(400);
    expect((await fetch(`${server.url}/npm-two`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await server.blobKeys()).length).toBe(before + 2);
  });

  it('installs with pnpm, and crosses over: npm-published to unjucks install, unjucks-published to npm install', async () => {
    await ok(admin.npm(['publish'], { cwd: await writePackageDir('npm-cross', '1.0.0') }));
    const pproj = join(root, 'pproj');
    await mkdir(pproj, { recursive: true });
    await writeFile(join(pproj, 'package.json'), '{ "name": "pproj", "version": "1.0.0" }');
    await ok(admin.pnpm(['add', 'npm-cross'], { cwd: pproj }));
    expect(JSON.parse(await readFile(join(pproj, 'package.json'), 'utf8')).dependencies).toEqual({ 'npm-cross': '^1.0.0' });
    expect(await readFile(join(pproj, 'pnpm-lock.yaml'), 'utf8')).toMatch(/npm-cross@1\.0\.0/);

    const dest = join(root, 'unjucks-dest');
    const inst = await unjucks(['install', 'npm-cross@1.0.0', '--dir', dest, '--allow-scripts'], { env: { HOME: root, UNJUCKS_REGISTRY: server.url } });
    expect(inst.stderr).toBe('');
    expect(inst.stdout).toMatch(/installed npm-cross@1\.0\.0/);

    const dir = await writePackageDir('unjucks-cross', '1.0.0');
    const pub = await unjucks(['publish', dir], { env: { HOME: root, UNJUCKS_REGISTRY: server.url, UNJUCKS_TOKEN: server.adminToken } });
    expect(pub.code).toBe(0);
    const project = join(root, 'nproj');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'package.json'), '{ "name": "nproj", "version": "1.0.0" }');
    await ok(admin.npm(['install', 'unjucks-cross@1.0.0', '--prefer-online'], { cwd: project }));
    expect(await readFile(join(project, 'node_modules/unjucks-cross/package.json'), 'utf8')).toContain('"unjucks-cross"');
  });
});
