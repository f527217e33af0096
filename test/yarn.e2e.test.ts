import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BACKENDS } from './helpers/backends.js';
import type { CliResult } from './helpers/cli.js';
import { packageTarball, publishRaw, writePackageDir } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { berryUser, classicUser, yarnBinaries, yarnProject, type YarnUser } from './helpers/yarn.js';

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest();
const EVIL = { '_templates/x/y/evil.njk': '---\nto: src/a.ts\n---\n{{ range.constructor("return process")() }}\n' };

/**
 * Conformance: the real Yarn classic (1.22) and Yarn Berry (4.x) binaries against a started
 * registry, each user with their own HOME, rc file, cache and global folder, pointed at this
 * registry and nothing else. One engine pair only (Postgres when there is one, the quicker to
 * start): the protocol is the same on both, and test/npm.e2e covers the npm routes on each.
 */
describe.each(
  BACKENDS.filter((b) => b.db === 'postgres')
    .concat(BACKENDS)
    .slice(0, 1),
)('yarn classic and Yarn Berry against the registry on $label', (backend) => {
  let server: TestServer;
  let root: string;
  let bins: { classic: string; berry: string };
  /** Berry with the admin token as npmAuthToken (sent for scoped packages and writes). */
  let berry: YarnUser;
  /** Classic with the admin token in ~/.npmrc. */
  let classic: YarnUser;
  let n = 0;
  const project = () => yarnProject(join(root, `project-${++n}`));

  const out = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
  const ok = async (r: Promise<CliResult>) => {
    const res = await r;
    expect(res.code, out(res)).toBe(0);
    return res.stdout;
  };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', ...(init.headers as object) },
    });
  const npmPath = (name: string) => name.replace('/', '%2f');
  /** The version document and tarball the registry serves, read with the admin token. */
  const served = async (name: string, version: string) => {
    const doc = (await (await api(`/${npmPath(name)}/${version}`)).json()) as { dist: { tarball: string; shasum: string; integrity: string } };
    const tarball = Buffer.from(await (await api(doc.dist.tarball.slice(server.url.length))).arrayBuffer());
    return { dist: doc.dist, tarball };
  };

  beforeAll(async () => {
    [server, bins] = await Promise.all([startTestServer(backend), yarnBinaries()]);
    root = await mkdtemp(join(tmpdir(), 'unjucks-yarn-'));
    berry = await berryUser(bins.berry, join(root, 'berry-admin'), server.url, { token: server.adminToken });
    classic = await classicUser(bins.classic, join(root, 'classic-admin'), server.url, server.adminToken);
    const fixtures: [string, string][] = [
      ['yarn-plain', '1.0.0'],
      ['@yarnco/tmpl', '1.0.0'],
      ['@yarnco/secret', '1.0.0'],
      ['yarn-secret', '1.0.0'],
      ['yarn-tags', '1.0.0'],
      ['yarn-tags', '1.1.0'],
    ];
    for (const [name, version] of fixtures) expect((await publishRaw(server.api, server.adminToken, packageTarball(name, version))).status).toBe(201);
    for (const name of ['@yarnco/secret', 'yarn-secret'])
      expect((await api(`/api/v1/packages/${npmPath(name)}/visibility`, { method: 'PUT', body: JSON.stringify({ visibility: 'private' }) })).status).toBe(200);
  });
  afterAll(async () => {
    await server?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
  });

  describe('Berry', () => {
    it('installs an unscoped and a scoped package; yarn.lock checksums are those of the cached archives and hold on a fresh download', async () => {
      const proj = await project();
      await ok(berry.yarn(['add', 'yarn-plain', '@yarnco/tmpl'], proj));
      expect(await readFile(join(proj, 'node_modules/@yarnco/tmpl/_templates/component/react/component.njk'), 'utf8')).toContain('to: src/');
      const lock = parseYaml(await readFile(join(proj, 'yarn.lock'), 'utf8')) as Record<string, { version: string; resolution: string; checksum: string }>;
      const cache = join(berry.home, 'cache');
      const zips = await readdir(cache);
      for (const [name, file] of [
        ['yarn-plain', 'yarn-plain'],
        ['@yarnco/tmpl', '@yarnco-tmpl'],
      ]) {
        // A plain npm:1.0.0 resolution: the tarball URL is the conventional one Yarn derives itself.
        expect(lock[`${name}@npm:^1.0.0`]).toMatchObject({ version: '1.0.0', resolution: `${name}@npm:1.0.0`, checksum: expect.stringMatching(/^10c0\//) });
        const zip = zips.filter((z) => z.startsWith(`${file}-npm-1.0.0-`));
        expect(zip).toHaveLength(1);
        expect(sha512(await readFile(join(cache, zip[0]!))).toString('hex')).toBe(lock[`${name}@npm:^1.0.0`]!.checksum.slice('10c0/'.length));
      }
      // An empty cache: Yarn downloads every tarball again and checks it against the lockfile.
      await rm(cache, { recursive: true, force: true });
      await rm(join(proj, 'node_modules'), { recursive: true, force: true });
      await ok(berry.yarn(['install', '--immutable', '--check-cache'], proj));
      expect(await readFile(join(proj, 'node_modules/yarn-plain/package.json'), 'utf8')).toContain('"yarn-plain"');
    });

    it('installs a private package only with the token: npmScopes for a scope, npmAlwaysAuth for an unscoped name; without it the 404 shows', async () => {
      const anon = await berryUser(bins.berry, join(root, 'berry-anon'), server.url);
      const denied = await anon.yarn(['add', '@yarnco/secret'], await project());
      expect(denied.code).not.toBe(0);
      expect(out(denied)).toMatch(/Package not found[\s\S]*Response Code: 404 \(Not Found\)/);
      expect(out(denied)).toContain(`${server.url}/@yarnco%2fsecret`);

      const scoped = await berryUser(bins.berry, join(root, 'berry-scoped'), server.url, { scopes: { yarnco: server.adminToken } });
      const p = await project();
      await ok(scoped.yarn(['add', '@yarnco/secret'], p));
      expect(await readFile(join(p, 'node_modules/@yarnco/secret/package.json'), 'utf8')).toContain('"@yarnco/secret"');

      // Yarn sends npmAuthToken with unscoped metadata requests only under npmAlwaysAuth.
      const withoutAlways = await berry.yarn(['add', 'yarn-secret'], await project());
      expect(withoutAlways.code).not.toBe(0);
      expect(out(withoutAlways)).toMatch(/Response Code: 404 \(Not Found\)/);
      const always = await berryUser(bins.berry, join(root, 'berry-always'), server.url, { token: server.adminToken, alwaysAuth: true });
      const q = await project();
      await ok(always.yarn(['add', 'yarn-secret'], q));
      expect(await readFile(join(q, 'node_modules/yarn-secret/package.json'), 'utf8')).toContain('"yarn-secret"');
    });

    it("publishes with yarn npm publish through validation; a hostile template and a changed re-publish get the registry's message", async () => {
      const dir = await writePackageDir('yarn-berry-pub', '1.0.0');
      await ok(berry.yarn(['install'], dir));
      expect(await ok(berry.yarn(['npm', 'publish'], dir))).toMatch(/Package archive published/);
      const { dist, tarball } = await served('yarn-berry-pub', '1.0.0');
      expect(dist.integrity).toBe(`sha512-${sha512(tarball).toString('base64')}`);
      expect(dist.tarball).toBe(`${server.url}/yarn-berry-pub/-/yarn-berry-pub-1.0.0.tgz`);

      await appendFile(join(dir, 'README.md'), 'changed\n');
      const again = await berry.yarn(['npm', 'publish'], dir);
      expect(again.code).not.toBe(0);
      expect(out(again)).toMatch(/You cannot publish over the previously published versions: 1\.0\.0[\s\S]*Response Code: 409 \(Conflict\)/);

      const bad = await writePackageDir('yarn-berry-bad', '1.0.0', EVIL);
      await ok(berry.yarn(['install'], bad));
      const refused = await berry.yarn(['npm', 'publish'], bad);
      expect(refused.code).not.toBe(0);
      expect(out(refused)).toMatch(/the package failed validation .*nunjucks\/call-result-call[\s\S]*Response Code: 422 \(Unprocessable Entity\)/);
      expect((await api('/yarn-berry-bad')).status).toBe(404);
      const audit = await (await api('/api/v1/audit?action=package.publish&outcome=failed&target=yarn-berry-bad')).json();
      expect(audit.records[0]).toMatchObject({ actor: 'admin', target: 'yarn-berry-bad', status: 422, detail: { via: 'npm', version: '1.0.0' } });
    });

    it('installs a bare name first published with --tag next: the npm documents name a latest, the stored tags stay', async () => {
      const dir = await writePackageDir('@yarnco/preview', '2.0.0-rc.1');
      await ok(berry.yarn(['install'], dir));
      await ok(berry.yarn(['npm', 'publish', '--tag', 'next'], dir));
      // Without a latest, Yarn stops at "Registry failed to return tag latest".
      const p = await project();
      await ok(berry.yarn(['add', '@yarnco/preview'], p));
      expect(JSON.parse(await readFile(join(p, 'node_modules/@yarnco/preview/package.json'), 'utf8')).version).toBe('2.0.0-rc.1');
      expect(await (await api('/-/package/@yarnco%2fpreview/dist-tags')).json()).toEqual({ next: '2.0.0-rc.1' });
      const corgi = await (await api('/@yarnco%2fpreview', { headers: { accept: 'application/vnd.npm.install-v1+json' } })).json();
      expect(corgi['dist-tags']).toEqual({ next: '2.0.0-rc.1', latest: '2.0.0-rc.1' });
      expect((await (await api('/@yarnco%2fpreview')).json())['dist-tags']).toEqual({ next: '2.0.0-rc.1', latest: '2.0.0-rc.1' });
    });

    it('shows yarn npm info, adds, lists and removes dist-tags, answers whoami, and names a bad token', async () => {
      const p = await project();
      const info = JSON.parse(await ok(berry.yarn(['npm', 'info', 'yarn-tags', '--json'], p)));
      const { dist } = await served('yarn-tags', '1.1.0');
      expect(info).toMatchObject({ name: 'yarn-tags', version: '1.1.0', 'dist-tags': { latest: '1.1.0' }, versions: ['1.0.0', '1.1.0'], dist });

      expect(await ok(berry.yarn(['npm', 'tag', 'add', 'yarn-tags@1.0.0', 'stable'], p))).toMatch(/Tag stable added to version 1\.0\.0 of package yarn-tags/);
      expect(await (await api('/-/package/yarn-tags/dist-tags')).json()).toEqual({ latest: '1.1.0', stable: '1.0.0' });
      const listed = (await ok(berry.yarn(['npm', 'tag', 'list', 'yarn-tags', '--json'], p)))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(listed).toEqual([
        { descriptor: 'yarn-tags@latest', locator: 'yarn-tags@1.1.0' },
        { descriptor: 'yarn-tags@stable', locator: 'yarn-tags@1.0.0' },
      ]);
      await ok(berry.yarn(['npm', 'tag', 'remove', 'yarn-tags', 'stable'], p));
      expect(await (await api('/-/package/yarn-tags/dist-tags')).json()).toEqual({ latest: '1.1.0' });

      expect(await ok(berry.yarn(['npm', 'whoami'], p))).toMatch(/YN0000: admin\n/);
      const stranger = await berryUser(bins.berry, join(root, 'berry-stranger'), server.url, { token: 'not-a-token' });
      const who = await stranger.yarn(['npm', 'whoami'], p);
      expect(who.code).not.toBe(0);
      expect(out(who)).toMatch(/Invalid authentication/);
    });

    it('logs in with yarn npm login (PUT /-/user/org.couchdb.user:NAME) and refuses a wrong password', async () => {
      expect((await api('/api/v1/users', { method: 'POST', body: JSON.stringify({ name: 'yarnbob', password: 'yarnbob-password' }) })).status).toBe(201);
      const bob = await berryUser(bins.berry, join(root, 'berry-bob'), server.url);
      const p = await project();
      const wrong = await bob.answer(['npm', 'login'], p, [
        [/Username/, 'yarnbob'],
        [/Password/, 'not-the-password'],
      ]);
      expect(wrong.code).not.toBe(0);
      expect(out(wrong)).toMatch(/Invalid authentication|401/);
      expect(await readFile(join(bob.home, '.yarnrc.yml'), 'utf8')).not.toMatch(/eyJ/);

      const right = await bob.answer(['npm', 'login'], p, [
        [/Username/, 'yarnbob'],
        [/Password/, 'yarnbob-password'],
      ]);
      expect(right.code, out(right)).toBe(0);
      expect(out(right)).toMatch(/Successfully logged in/);
      const token = /npmAuthToken: (\S+)/.exec(await readFile(join(bob.home, '.yarnrc.yml'), 'utf8'))?.[1]?.replace(/^"|"$/g, '');
      expect(token).toMatch(/^eyJ/);
      expect(await (await fetch(`${server.url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } })).json()).toEqual({ username: 'yarnbob' });
      expect(await ok(bob.yarn(['npm', 'whoami'], p))).toMatch(/YN0000: yarnbob\n/);
    });
  });

  describe('classic', () => {
    const flags = ['--non-interactive', '--no-progress'];

    it('logs in inside yarn publish when it has no token (Basic credentials on PUT /-/user/org.couchdb.user:NAME), publishes as that user and revokes the token', async () => {
      expect((await api('/api/v1/users', { method: 'POST', body: JSON.stringify({ name: 'yarnclassic', password: 'yarnclassic-password' }) })).status).toBe(
        201,
      );
      const user = await classicUser(bins.classic, join(root, 'classic-login'), server.url, null);
      const dir = await writePackageDir('yarn-classic-login', '0.0.1');
      const prompts = (password: string): [RegExp, string][] => [
        [/npm username/, 'yarnclassic'],
        [/npm email/, 'yarnclassic@example.com'],
        [/npm password/, password],
      ];
      const args = ['publish', '--new-version', '1.0.0', '--no-git-tag-version', '--no-progress'];
      const wrong = await user.answer(args, dir, prompts('not-the-password'), { tty: true });
      expect(wrong.code).not.toBe(0);
      expect(out(wrong)).toMatch(/org\.couchdb\.user:yarnclassic: wrong username or password/);

      // Classic keeps the name and email it was given in ~/.yarnrc and skips those prompts: start afresh.
      await classicUser(bins.classic, user.home, server.url, null);
      const right = await user.answer(args, dir, prompts('yarnclassic-password'), { tty: true });
      expect(right.code, out(right)).toBe(0);
      expect(out(right)).toMatch(/success Logged in\.[\s\S]*success Published\.[\s\S]*success Revoked login token\./);
      const doc = await (await fetch(`${server.url}/yarn-classic-login`)).json();
      expect(doc.versions['1.0.0']._npmUser).toEqual({ name: 'yarnclassic', email: '' });
      const audit = await (await api('/api/v1/audit?actor=yarnclassic&action=token.revoke')).json();
      expect(audit.records).toEqual([expect.objectContaining({ actor: 'yarnclassic', outcome: 'ok' })]);
    });

    it("installs with the token; yarn.lock's resolved URL, sha1 and integrity are the registry's, checked again from an empty cache", async () => {
      const proj = await project();
      await ok(classic.yarn(['add', 'yarn-plain', '@yarnco/tmpl', '@yarnco/secret', ...flags], proj));
      const lock = await readFile(join(proj, 'yarn.lock'), 'utf8');
      for (const name of ['yarn-plain', '@yarnco/tmpl', '@yarnco/secret']) {
        const { dist, tarball } = await served(name, '1.0.0');
        expect(dist.integrity).toBe(`sha512-${sha512(tarball).toString('base64')}`);
        expect(lock).toContain(`resolved "${dist.tarball}#${dist.shasum}"\n  integrity ${dist.integrity}\n`);
      }
      await rm(join(classic.home, 'cache'), { recursive: true, force: true });
      await rm(join(proj, 'node_modules'), { recursive: true, force: true });
      await ok(classic.yarn(['install', '--frozen-lockfile', ...flags], proj));
      expect(await readFile(join(proj, 'node_modules/@yarnco/secret/package.json'), 'utf8')).toContain('"@yarnco/secret"');
    });

    it('needs the token for a private package (always-auth for an unscoped one); without it the 404 shows', async () => {
      const anon = await classicUser(bins.classic, join(root, 'classic-anon'), server.url, null);
      const denied = await anon.yarn(['add', '@yarnco/secret', ...flags], await project());
      expect(denied.code).not.toBe(0);
      expect(out(denied)).toMatch(/error .*\/@yarnco%2fsecret: package @yarnco\/secret was not found/);
      // Classic sends the token for unscoped packages only with always-auth.
      const withoutAlways = await classic.yarn(['add', 'yarn-secret', ...flags], await project());
      expect(withoutAlways.code).not.toBe(0);
      expect(out(withoutAlways)).toMatch(/package yarn-secret was not found/);
      const always = await classicUser(bins.classic, join(root, 'classic-always'), server.url, server.adminToken, { alwaysAuth: true });
      const p = await project();
      await ok(always.yarn(['add', 'yarn-secret', ...flags], p));
      expect(await readFile(join(p, 'node_modules/yarn-secret/package.json'), 'utf8')).toContain('"yarn-secret"');
    });

    it("publishes with yarn publish --new-version through validation, refuses a hostile template with the validator's message, shows info and tags", async () => {
      const dir = await writePackageDir('yarn-classic-pub', '0.0.1');
      const pub = await ok(classic.yarn(['publish', '--new-version', '1.0.0', '--no-git-tag-version', ...flags], dir));
      expect(pub).toMatch(/success Published\./);
      expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).version).toBe('1.0.0');
      const { dist, tarball } = await served('yarn-classic-pub', '1.0.0');
      expect(dist.integrity).toBe(`sha512-${sha512(tarball).toString('base64')}`);

      const bad = await writePackageDir('yarn-classic-bad', '0.0.1', EVIL);
      const refused = await classic.yarn(['publish', '--new-version', '1.0.0', '--no-git-tag-version', ...flags], bad);
      expect(refused.code).not.toBe(0);
      expect(out(refused)).toMatch(/Couldn't publish package: .*the package failed validation .*nunjucks\/call-result-call/);
      expect((await api('/yarn-classic-bad')).status).toBe(404);

      const info = JSON.parse(await ok(classic.yarn(['info', 'yarn-classic-pub', '--json', ...flags], dir)));
      expect(info).toMatchObject({ type: 'inspect', data: { name: 'yarn-classic-pub', 'dist-tags': { latest: '1.0.0' }, versions: ['1.0.0'], dist } });
      await ok(classic.yarn(['tag', 'add', 'yarn-classic-pub@1.0.0', 'stable', ...flags], dir));
      expect(await ok(classic.yarn(['tag', 'list', 'yarn-classic-pub', ...flags], dir))).toMatch(/info latest: 1\.0\.0\ninfo stable: 1\.0\.0\n/);
      expect(await (await api('/-/package/yarn-classic-pub/dist-tags')).json()).toEqual({ latest: '1.0.0', stable: '1.0.0' });
    });
  });
});
