import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unjucks } from './helpers/cli.js';
import { npmUser } from './helpers/npm.js';
import { manifestFor, packageTarball, publishRaw, writePackageDir } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Reviewed releases through the real server binary and the real CLI and npm: a staged version is
 * stored but cannot be resolved, installed, found or tagged; the publisher cannot approve it;
 * another maintainer's approval makes it live and moves latest; a rejection keeps it out for good.
 */
const backend = {
  label: process.env.TEST_DATABASE_URL ? 'Postgres' : 'PGlite',
  db: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite',
  store: 'fs',
} as const;

describe(`reviewed releases on ${backend.label}`, () => {
  let server: TestServer;
  let home: string;
  const tokens: Record<string, string> = {};
  const dirs: string[] = [];

  const api = async (token: string | null, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.api}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const cli = (who: string, args: string[]) =>
    unjucks(args, { env: { UNJUCKS_REGISTRY: server.url, UNJUCKS_TOKEN: tokens[who]!, HOME: home, XDG_CACHE_HOME: join(home, who, '.cache') } });
  const kit = '@acme/kit';
  const k = encodeURIComponent(kit);

  beforeAll(async () => {
    server = await startTestServer(backend);
    home = await mkdtemp(join(tmpdir(), 'unjucks-review-'));
    const admin = server.adminToken;
    for (const user of ['alice', 'bob', 'carol', 'rita', 'eve', 'olga']) {
      expect((await api(admin, 'POST', '/users', { name: user, password: `correct horse ${user}` })).status).toBe(201);
      tokens[user] = (await api(null, 'POST', '/auth/login', { username: user, password: `correct horse ${user}` })).body.token;
    }
    expect((await api(admin, 'POST', '/orgs', { name: 'acme' })).status).toBe(201);
    // Registry admins add members directly (no invitation round).
    for (const [user, role] of [
      ['olga', 'owner'],
      ['alice', 'maintainer'],
      ['bob', 'maintainer'],
      ['carol', 'maintainer'],
      ['rita', 'reader'],
    ])
      expect((await api(admin, 'PUT', `/orgs/acme/members/${user}`, { role })).status).toBe(200);
    // 1.0.0 goes out before reviews are required: live at once.
    const first = await publishRaw(
      server.api,
      tokens.alice!,
      packageTarball(kit, '1.0.0', { extra: [{ path: 'package/_templates/component/react/legacy.njk', content: '---\nto: src/legacy.txt\n---\nold\n' }] }),
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'live', 'dist-tags': { latest: '1.0.0' } });
  });
  afterAll(async () => {
    await server?.destroy();
    for (const d of [home, ...dirs]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('lets owners, and only owners, set the approvals an org or a package requires', async () => {
    const denied = await api(tokens.alice!, 'PUT', '/orgs/acme/review-policy', { requiredApprovals: 1 });
    expect(denied.status).toBe(403);
    expect((await api(tokens.alice!, 'PUT', `/packages/${k}/review-policy`, { requiredApprovals: 1 })).status).toBe(403);
    expect((await api(tokens.olga!, 'PUT', '/orgs/acme/review-policy', { requiredApprovals: 11 })).status).toBe(400);
    // The CLI sets and reads the org's floor; a maintainer's attempt fails with the server's code.
    const notOwner = await cli('alice', ['reviews', '@acme', '--require', '1']);
    expect(notOwner.code).not.toBe(0);
    expect(notOwner.stderr).toContain('(code: forbidden)');
    const badCount = await cli('olga', ['reviews', '@acme', '--require', 'two']);
    expect(badCount.code).not.toBe(0);
    expect(badCount.stderr).toContain('--require takes a whole number');
    const set = await cli('olga', ['reviews', '@acme', '--require', '1']);
    expect(set.stdout).toContain('org acme: new versions need 1 approval(s)');
    expect((await api(tokens.olga!, 'GET', '/orgs/acme/review-policy')).body).toEqual({ requiredApprovals: 1, effective: 1 });
    expect(JSON.parse((await cli('olga', ['reviews', '@acme', '--json'])).stdout)).toEqual({ requiredApprovals: 1, effective: 1 });
    expect((await api(tokens.rita!, 'GET', `/packages/${k}/review-policy`)).body).toEqual({ requiredApprovals: 0, org: 1, effective: 1 });
  });

  it('stages a publish: stored and reported to maintainers, but not resolvable, installable, taggable or visible to others', async () => {
    // 1.1.0 through the real CLI: README and template changed, legacy.njk removed, a binary and a shell command added.
    const dir = await writePackageDir(
      kit,
      '1.1.0',
      {
        'README.md': `# ${kit}\nnow with a shell step\n`,
        '_templates/component/react/component.njk':
          '---\nto: src/{{ name }}.tsx\nsh: echo generated\n---\nexport const {{ name }} = () => <div>{{ name | shout }}</div>;\n',
        'assets/logo.png': '\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR\u0000',
      },
      manifestFor(kit, '1.1.0'),
    );
    dirs.push(dir);
    const pub = await cli('alice', ['publish', dir]);
    expect(pub.code).toBe(0);
    expect(pub.stdout).toContain(`published ${kit}@1.1.0`);
    expect(pub.stdout).toContain('staged: not installable until 1 maintainer(s) other than you approve it');

    // Not in any document, nor resolvable, for anyone (maintainers included: resolution is for installs).
    for (const who of [null, tokens.rita!, tokens.bob!]) {
      const doc = await api(who, 'GET', `/packages/${k}`);
      expect(Object.keys(doc.body.versions)).toEqual(['1.0.0']);
      expect(doc.body['dist-tags']).toEqual({ latest: '1.0.0' });
      expect((await api(who, 'GET', `/packages/${k}/1.1.0`)).status).toBe(404);
      expect((await api(who, 'GET', `/packages/${k}/${encodeURIComponent('^1')}`)).body.version).toBe('1.0.0');
    }
    const npmDoc = await fetch(`${server.url}/${k}`, { headers: { accept: 'application/vnd.npm.install-v1+json' } }).then(
      (r) => r.json() as Promise<{ versions: object }>,
    );
    expect(Object.keys(npmDoc.versions)).toEqual(['1.0.0']);

    // The tarball: 404 to a reader and anonymous, served (never publicly cached) to a maintainer.
    const tarball = `/packages/${k}/-/kit-1.1.0.tgz`;
    expect((await api(null, 'GET', tarball)).status).toBe(404);
    expect((await api(tokens.rita!, 'GET', tarball)).status).toBe(404);
    expect((await fetch(`${server.url}/${kit}/-/kit-1.1.0.tgz`)).status).toBe(404);
    const forBob = await fetch(`${server.api}${tarball}`, { headers: { authorization: `Bearer ${tokens.bob}` } });
    expect(forBob.status).toBe(200);
    expect(forBob.headers.get('cache-control')).toMatch(/^private/);

    // The report: maintainers read it, with its status; a reader cannot tell it exists.
    expect((await api(tokens.bob!, 'GET', `/packages/${k}/1.1.0/report`)).body).toMatchObject({ version: '1.1.0', status: 'staged', capabilities: ['shell'] });
    expect((await api(tokens.rita!, 'GET', `/packages/${k}/1.1.0/report`)).status).toBe(404);
    const reviews = await cli('bob', ['reviews', kit]);
    expect(reviews.stdout).toContain(`${kit}@1.1.0: staged (0 of 1 approval(s))`);
    expect(reviews.stdout).toContain('capabilities: shell');
    expect((await api(tokens.rita!, 'GET', `/packages/${k}/reviews`)).body.versions).toEqual([]);
    expect((await cli('bob', ['info', kit])).stdout).toContain(`staged (not installable): 1.1.0, 0 of 1 approval(s); see unjucks reviews ${kit}`);
    const readerInfo = await cli('rita', ['info', kit]);
    expect(readerInfo.stdout).toContain('versions: 1.0.0\n');
    expect(readerInfo.stdout).not.toContain('1.1.0');

    // No tag may point at it.
    const tag = await api(tokens.bob!, 'PUT', `/packages/${k}/dist-tags/next`, '1.1.0');
    expect(tag.status).toBe(409);
    expect(tag.body.error).toMatch(/staged, waiting for approvals/);

    // Neither the CLI nor npm installs it.
    const project = await mkdtemp(join(tmpdir(), 'unjucks-review-project-'));
    dirs.push(project);
    const install = await cli('bob', ['install', `${kit}@1.1.0`, '--dir', project, '--allow-scripts']);
    expect(install.code).not.toBe(0);
    expect(install.stderr).toMatch(/@acme\/kit.*1\.1\.0/);
    const npm = await npmUser(join(home, 'npm-bob'), server.url, tokens.bob!);
    const npmInstall = await npm.npm(['install', '--no-save', `${kit}@1.1.0`], { cwd: project });
    expect(npmInstall.code).not.toBe(0);
    expect(npmInstall.stderr).toMatch(/ETARGET|No matching version/);
  });

  it('keeps a staged new package out of search until it is approved', async () => {
    const fresh = await publishRaw(server.api, tokens.alice!, packageTarball('@acme/zephyrine', '1.0.0'));
    expect(fresh.body).toMatchObject({ status: 'staged', requiredApprovals: 1, 'dist-tags': {} });
    const names = async () =>
      ((await api(tokens.bob!, 'GET', '/search?q=zephyrine')).body.objects as { package: { name: string } }[]).map((o) => o.package.name);
    expect(await names()).toEqual([]);
    expect((await api(null, 'GET', '/packages/@acme%2Fzephyrine/latest')).status).toBe(404);
    expect((await api(tokens.carol!, 'POST', '/packages/@acme%2Fzephyrine/1.0.0/approve')).body.status).toBe('live');
    expect(await names()).toEqual(['@acme/zephyrine']);
  });

  it('shows reviewers what changed: files, patches, binaries, capabilities and findings', async () => {
    const diff = await cli('bob', ['diff', `${kit}@1.0.0`, `${kit}@1.1.0`]);
    expect(diff.stderr).toBe('');
    const out = diff.stdout;
    expect(out).toContain(`${kit}: 1.0.0 → 1.1.0`);
    expect(out).toMatch(/^ {2}A _templates\/component\/react\/setup\.sh$/m);
    expect(out).toMatch(/^ {2}A assets\/logo\.png \(binary\)$/m);
    expect(out).toMatch(/^ {2}D _templates\/component\/react\/legacy\.njk$/m);
    expect(out).toMatch(/^ {2}M _templates\/component\/react\/component\.njk$/m);
    expect(out).toMatch(/^capabilities:\n {2}\+ shell$/m);
    expect(out).toContain('--- a/_templates/component/react/component.njk\t1.0.0');
    expect(out).toContain('+++ b/_templates/component/react/component.njk\t1.1.0');
    expect(out).toMatch(/^-export const \{\{ name \}\} = \(\) => null;$/m);
    expect(out).toMatch(/^\+export const \{\{ name \}\} = \(\) => <div>\{\{ name \| shout \}\}<\/div>;$/m);
    expect(out).toMatch(/^findings:\n {2}\+ warning nunjucks\/\S+ _templates\/component\/react\/component\.njk: .*shout/m);
    expect(out).toMatch(/^\+sh: echo generated$/m);
    expect(out).toMatch(/^-old$/m);

    const json = JSON.parse((await cli('bob', ['diff', `${kit}@1.0.0`, `${kit}@1.1.0`, '--json'])).stdout);
    const byPath = Object.fromEntries((json.files as { path: string }[]).map((f) => [f.path, f]));
    expect(byPath['assets/logo.png']).toMatchObject({ status: 'added', binary: true, patch: null });
    expect(byPath['_templates/component/react/legacy.njk']).toMatchObject({ status: 'removed', binary: false });
    expect(byPath['package.json']).toMatchObject({ status: 'changed' });
    expect(json.capabilities).toEqual({ added: ['shell'], removed: [] });
    expect(json.unchanged).toBe(0);
    expect(json.findings.added).toEqual([
      expect.objectContaining({ severity: 'warning', file: '_templates/component/react/component.njk', message: expect.stringContaining('shout') }),
    ]);
    expect(json.findings.removed).toEqual([]);
    // Going back the other way turns the capability change around.
    expect((await api(tokens.bob!, 'GET', `/packages/${k}/1.0.0/diff?from=1.1.0`)).body.capabilities).toEqual({ added: [], removed: ['shell'] });

    // A reader cannot see the staged side; naming no `from` is a 400.
    expect((await api(tokens.rita!, 'GET', `/packages/${k}/1.1.0/diff?from=1.0.0`)).status).toBe(404);
    expect((await cli('rita', ['diff', `${kit}@1.0.0`, `${kit}@1.1.0`])).code).not.toBe(0);
    expect((await api(tokens.bob!, 'GET', `/packages/${k}/1.1.0/diff`)).status).toBe(400);
  });

  it("refuses the publisher's own approval and a reader's, and lets another maintainer make it live", async () => {
    const own = await cli('alice', ['approve', `${kit}@1.1.0`]);
    expect(own.code).not.toBe(0);
    expect(own.stderr).toContain('answered 403: alice published @acme/kit@1.1.0 and cannot approve their own release');
    const reader = await api(tokens.rita!, 'POST', `/packages/${k}/1.1.0/approve`);
    expect(reader.status).toBe(403);
    expect(reader.body.error).toMatch(/"publish:update".*their role on it is reader/);
    expect((await api(tokens.bob!, 'GET', `/packages/${k}`)).body['dist-tags'].latest).toBe('1.0.0');

    const ok = await cli('bob', ['approve', `${kit}@1.1.0`]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`${kit}@1.1.0: live; latest now points at it`);
    expect(ok.stdout).toContain('approved by bob');
    expect((await api(null, 'GET', `/packages/${k}`)).body['dist-tags']).toEqual({ latest: '1.1.0' });
    expect((await api(null, 'GET', `/packages/${k}/latest`)).body.version).toBe('1.1.0');
    expect((await fetch(`${server.url}/${kit}/-/kit-1.1.0.tgz`)).status).toBe(200);
    const again = await api(tokens.carol!, 'POST', `/packages/${k}/1.1.0/approve`);
    expect(again).toMatchObject({ status: 409, body: { error: expect.stringMatching(/already live/) } });
    // Audited: who approved what, and who was refused.
    const audit = await api(server.adminToken, 'GET', `/audit?action=version.approve&target=${k}`);
    const records = audit.body.records as { actor: string; outcome: string; status: number; detail: Record<string, unknown> | null }[];
    expect(records.find((r) => r.actor === 'bob')).toMatchObject({ outcome: 'ok', status: 200, detail: { version: '1.1.0', status: 'live' } });
    expect(records.find((r) => r.actor === 'alice')).toMatchObject({ outcome: 'denied', status: 403 });
  });

  it('keeps a rejected version out for good, its number taken', async () => {
    const bytes = packageTarball(kit, '1.2.0');
    expect((await publishRaw(server.api, tokens.alice!, bytes)).body.status).toBe('staged');
    expect((await cli('carol', ['reject', `${kit}@1.2.0`])).stderr).toContain('needs --reason');
    const rejected = await cli('carol', ['reject', `${kit}@1.2.0`, '--reason', 'breaks the generator for Vue users']);
    expect(rejected.stderr).toBe('');
    expect(rejected.stdout).toContain(`${kit}@1.2.0: rejected`);
    expect(rejected.stdout).toContain('rejected by carol');
    expect((await api(tokens.bob!, 'POST', `/packages/${k}/1.2.0/approve`)).status).toBe(409);
    // The same bytes, or others, under the same number: refused.
    expect((await publishRaw(server.api, tokens.alice!, bytes)).status).toBe(409);
    expect((await publishRaw(server.api, tokens.alice!, packageTarball(kit, '1.2.0', { salt: 'fixed' }))).status).toBe(409);
    expect((await api(null, 'GET', `/packages/${k}/1.2.0`)).status).toBe(404);
    expect((await api(null, 'GET', `/packages/${k}`)).body['dist-tags']).toEqual({ latest: '1.1.0' });
    const list = (await api(tokens.bob!, 'GET', `/packages/${k}/reviews`)).body;
    expect(list.versions).toMatchObject([
      { version: '1.2.0', status: 'rejected', approvals: [{ approver: 'carol', decision: 'reject', reason: 'breaks the generator for Vue users' }] },
    ]);
    const audit = await api(server.adminToken, 'GET', `/audit?action=version.reject&target=${k}`);
    expect(audit.body.records[0]).toMatchObject({ actor: 'carol', outcome: 'ok', detail: { version: '1.2.0', reason: 'breaks the generator for Vue users' } });
  });

  it('needs as many distinct approvers as the higher of the package and org settings', async () => {
    const set = await cli('olga', ['reviews', kit, '--require', '2', '--json']);
    expect(JSON.parse(set.stdout).policy).toEqual({ requiredApprovals: 2, org: 1, effective: 2 });
    expect((await cli('olga', ['reviews', kit])).stdout).toContain(`${kit}: new versions need 2 approval(s)`);
    expect((await publishRaw(server.api, tokens.alice!, packageTarball(kit, '1.3.0'))).body).toMatchObject({ status: 'staged', requiredApprovals: 2 });
    expect((await api(tokens.bob!, 'POST', `/packages/${k}/1.3.0/approve`)).body).toMatchObject({ status: 'staged', approvals: [{ approver: 'bob' }] });
    expect((await api(tokens.bob!, 'POST', `/packages/${k}/1.3.0/approve`)).status).toBe(409);
    expect((await api(null, 'GET', `/packages/${k}`)).body['dist-tags'].latest).toBe('1.1.0');
    expect((await api(tokens.carol!, 'POST', `/packages/${k}/1.3.0/approve`)).body).toMatchObject({ status: 'live', 'dist-tags': { latest: '1.3.0' } });
  });

  it("answers 404 to outsiders on a private package's review routes", async () => {
    expect((await publishRaw(server.api, tokens.alice!, packageTarball('@acme/secret', '1.0.0'))).body.status).toBe('staged');
    expect((await api(tokens.olga!, 'PUT', '/packages/@acme%2Fsecret/visibility', { visibility: 'private' })).status).toBe(200);
    const missing = 'package @acme/secret was not found';
    for (const [method, path, body] of [
      ['POST', '/packages/@acme%2Fsecret/1.0.0/approve', undefined],
      ['POST', '/packages/@acme%2Fsecret/1.0.0/reject', { reason: 'no' }],
      ['GET', '/packages/@acme%2Fsecret/reviews', undefined],
      ['GET', '/packages/@acme%2Fsecret/1.0.0/diff?from=1.0.0', undefined],
      ['GET', '/packages/@acme%2Fsecret/review-policy', undefined],
    ] as const) {
      // Anonymous writes are refused for want of a token (401) before anything is looked up.
      for (const token of method === 'GET' ? [tokens.eve!, null] : [tokens.eve!])
        expect(await api(token, method, path, body)).toMatchObject({ status: 404, body: { error: missing } });
    }
    // The reader of the org sees the package but not the staged version.
    expect((await api(tokens.rita!, 'GET', '/packages/@acme%2Fsecret/1.0.0/diff?from=1.0.0')).body.error).toBe('version 1.0.0 of @acme/secret was not found');
  });
});
