import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucks } from './helpers/cli.js';
import { gzipTar, manifestFor, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const temps: string[] = [];
const tempDir = async (prefix = 'unjucks-life-') => {
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

const template = (body: string) => `---\nto: "src/{{ name }}.txt"\n---\n${body}`;
const lines = (...l: string[]) => `${l.join('\n')}\n`;

// One backend: these tests exercise the client, which sees the same HTTP whatever the engines.
const backend = BACKENDS[0]!;

describe(`the template lifecycle on a developer's machine (${backend.label})`, () => {
  let server: TestServer;
  let home: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    home = await mkdtemp(join(tmpdir(), 'unjucks-life-home-'));
    env = { HOME: home, XDG_CACHE_HOME: join(home, 'cache'), UNJUCKS_REGISTRY: server.url, UNJUCKS_TOKEN: server.adminToken };
  });
  afterAll(async () => {
    await server?.destroy();
    await rm(home, { recursive: true, force: true });
  });

  /** Publishes a package whose templates are `files` (paths below _templates/). */
  async function publish(name: string, version: string, files: Record<string, string>, dependencies?: Record<string, string>) {
    const manifest = manifestFor(name, version, { unjucks: undefined, ...(dependencies ? { dependencies } : {}) });
    const tgz = gzipTar([
      { path: 'package/package.json', content: JSON.stringify(manifest) },
      { path: 'package/README.md', content: `# ${name}\n` },
      ...Object.entries(files).map(([rel, content]) => ({ path: `package/_templates/${rel}`, content })),
    ]);
    const r = await publishRaw(server.api, server.adminToken, tgz);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  }
  const lockOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'unjucks-lock.json'), 'utf8'));

  it('installs a graph with shared ranges once, and names who asks for what when ranges conflict', async () => {
    await publish('g-base', '1.0.0', { 'base/new/a.t': template('base 1.0.0\n') });
    await publish('g-base', '1.1.0', { 'base/new/a.t': template('base 1.1.0\n') });
    await publish('g-base', '2.0.0', { 'base/new/a.t': template('base 2.0.0\n') });
    await publish('g-app', '1.0.0', { 'app/new/app.t': template('app\n') }, { 'g-base': '^1.0.0' });
    await publish('g-lib', '1.0.0', { 'lib/new/lib.t': template('lib\n') }, { 'g-base': '~1.1.0' });
    await publish('g-new', '1.0.0', { 'new/new/new.t': template('new\n') }, { 'g-base': '^2.0.0' });

    const dest = await tempDir();
    const r = await unjucks(['install', 'g-app', 'g-lib', '--dir', dest], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/installed g-base@1\.1\.0/);
    expect(await listFiles(dest)).toEqual(['_templates/app/new/app.t', '_templates/base/new/a.t', '_templates/lib/new/lib.t', 'unjucks-lock.json']);
    expect(await readFile(join(dest, '_templates/base/new/a.t'), 'utf8')).toContain('base 1.1.0');
    const lock = await lockOf(dest);
    expect(lock.lockfileVersion).toBe(2);
    expect(lock.dependencies).toEqual({ 'g-app': '^1.0.0', 'g-lib': '^1.0.0' });
    expect(Object.keys(lock.packages)).toEqual(['g-app', 'g-base', 'g-lib']);
    expect(lock.packages['g-app'].dependencies).toEqual({ 'g-base': '^1.0.0' });
    expect(lock.packages['g-base']).toMatchObject({ version: '1.1.0', files: { '_templates/base/new/a.t': expect.stringMatching(/^sha512-/) } });

    const before = await readFile(join(dest, 'unjucks-lock.json'), 'utf8');
    const clash = await unjucks(['install', 'g-new', '--dir', dest], { env });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/no single version of g-base satisfies every range asked for/);
    expect(clash.stderr).toContain('^1.0.0 (from g-app@1.0.0)');
    expect(clash.stderr).toContain('~1.1.0 (from g-lib@1.0.0)');
    expect(clash.stderr).toContain('^2.0.0 (from g-new@1.0.0)');
    expect(await readFile(join(dest, 'unjucks-lock.json'), 'utf8')).toBe(before);
    expect(await listFiles(dest)).not.toContain('_templates/new/new/new.t');

    // info and list show the graph.
    const info = await unjucks(['info', 'g-app'], { env });
    expect(info.stdout).toContain('dependencies: g-base@^1.0.0');
    const list = await unjucks(['list', '--dir', dest], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('g-app@1.0.0 (^1.0.0)');
    expect(list.stdout).toContain('g-base@1.1.0 (dependency of g-app, g-lib)');
    expect(list.stdout).toMatch(/^ {2}base new/m);
    const json = JSON.parse((await unjucks(['list', '--dir', dest, '--json'], { env })).stdout);
    expect(json.find((p: { name: string }) => p.name === 'g-lib').generators).toEqual([
      { name: 'lib', description: '', templates: [{ name: 'new', description: '' }] },
    ]);
  });

  it('refuses a dependency cycle before writing anything, and warns on publish about unresolvable dependencies', async () => {
    await publish('cyc-x', '1.0.0', { 'x/new/x.t': template('x\n') }, { 'cyc-y': '^1.0.0' });
    await publish('cyc-y', '1.0.0', { 'y/new/y.t': template('y\n') }, { 'cyc-x': '^1.0.0' });
    const dest = await tempDir();
    const r = await unjucks(['install', 'cyc-x', '--dir', dest], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dependency cycle: cyc-x@1\.0\.0 → cyc-y@1\.0\.0 → cyc-x@1\.0\.0/);
    expect(await readdir(dest)).toEqual([]);

    const pub = await publish('dep-warn', '1.0.0', { 'w/new/w.t': template('w\n') }, { 'no-such-dependency': '^1.0.0', 'g-base': '^9.0.0', 'cyc-x': '^1.0.0' });
    expect(pub.warnings).toBeGreaterThanOrEqual(2);
    const report = await (await fetch(`${server.api}/packages/dep-warn/1.0.0/report`)).json();
    const found = report.findings.filter((f: { rule: string }) => f.rule === 'manifest/dependency-unresolved');
    expect(found.map((f: { message: string; severity: string }) => [f.severity, f.message])).toEqual([
      ['warning', expect.stringContaining('the dependency no-such-dependency is not on this registry')],
      ['warning', expect.stringContaining('no version of the dependency g-base matches "^9.0.0" (versions: 1.0.0, 1.1.0, 2.0.0)')],
    ]);
  });

  it('updates within the range, merging a local edit with the new version', async () => {
    const v1 = lines('one', 'two', 'three', 'four', 'five');
    await publish('up-merge', '1.0.0', { 'm/new/file.t': v1, 'm/new/same.t': 'same\n' });
    const dest = await tempDir();
    expect((await unjucks(['install', 'up-merge@^1', '--dir', dest], { env })).code).toBe(0);
    await writeFile(join(dest, '_templates/m/new/file.t'), lines('one (mine)', 'two', 'three', 'four', 'five'));
    await publish('up-merge', '1.1.0', { 'm/new/file.t': lines('one', 'two', 'three', 'four', 'five (theirs)'), 'm/new/same.t': 'same, new\n' });
    await publish('up-merge', '2.0.0', { 'm/new/file.t': 'out of range\n' });

    const dry = await unjucks(['update', '--dir', dest, '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would update up-merge: 1\.0\.0 → 1\.1\.0/);
    expect(dry.stdout).toMatch(/merge\s+_templates\/m\/new\/file\.t/);
    expect(dry.stdout).toMatch(/replace\s+_templates\/m\/new\/same\.t/);
    expect((await lockOf(dest)).packages['up-merge'].version).toBe('1.0.0');
    expect(await readFile(join(dest, '_templates/m/new/same.t'), 'utf8')).toBe('same\n');

    const r = await unjucks(['update', '--dir', dest], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readFile(join(dest, '_templates/m/new/file.t'), 'utf8')).toBe(lines('one (mine)', 'two', 'three', 'four', 'five (theirs)'));
    expect(await readFile(join(dest, '_templates/m/new/same.t'), 'utf8')).toBe('same, new\n');
    const lock = await lockOf(dest);
    expect(lock.packages['up-merge'].version).toBe('1.1.0');
    expect(lock.dependencies['up-merge']).toBe('^1');

    // name@spec moves the range.
    const moved = await unjucks(['update', 'up-merge@^2', '--dir', dest], { env });
    expect(moved.code).toBe(1); // the 2.0.0 file rewrites the line you changed: a conflict
    expect(moved.stderr).toMatch(/1 file\(s\) have conflicts/);
  });

  it('leaves conflict markers, exits 1 and keeps the lock when an update conflicts', async () => {
    await publish('up-conflict', '1.0.0', { 'c/new/file.t': lines('a', 'b', 'c'), 'c/new/clean.t': 'clean 1\n' });
    const dest = await tempDir();
    expect((await unjucks(['install', 'up-conflict', '--dir', dest], { env })).code).toBe(0);
    await writeFile(join(dest, '_templates/c/new/file.t'), lines('a', 'b (mine)', 'c'));
    await publish('up-conflict', '1.0.1', { 'c/new/file.t': lines('a', 'b (theirs)', 'c'), 'c/new/clean.t': 'clean 2\n' });
    const lockBefore = await readFile(join(dest, 'unjucks-lock.json'), 'utf8');

    const r = await unjucks(['update', 'up-conflict', '--dir', dest], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/conflict\s+_templates\/c\/new\/file\.t/);
    expect(r.stderr).toMatch(/1 file\(s\) have conflicts:\n {2}_templates\/c\/new\/file\.t\n.*unjucks-lock\.json was not changed/);
    expect(await readFile(join(dest, '_templates/c/new/file.t'), 'utf8')).toBe(
      lines('a', '<<<<<<< local', 'b (mine)', '=======', 'b (theirs)', '>>>>>>> up-conflict@1.0.1', 'c'),
    );
    expect(await readFile(join(dest, '_templates/c/new/clean.t'), 'utf8')).toBe('clean 2\n');
    expect(await readFile(join(dest, 'unjucks-lock.json'), 'utf8')).toBe(lockBefore);

    // Until the markers are gone, running it again changes nothing and still exits 1.
    const still = await unjucks(['update', '--dir', dest], { env });
    expect(still.code).toBe(1);
    expect(await readFile(join(dest, 'unjucks-lock.json'), 'utf8')).toBe(lockBefore);

    // Resolved by hand, the next update takes the file as it is and moves the lock.
    await writeFile(join(dest, '_templates/c/new/file.t'), lines('a', 'b (both)', 'c'));
    const again = await unjucks(['update', '--dir', dest], { env });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/resolved\s+_templates\/c\/new\/file\.t/);
    expect(await readdir(dest)).not.toContain('unjucks-merge.json');
    expect(await readFile(join(dest, '_templates/c/new/file.t'), 'utf8')).toBe(lines('a', 'b (both)', 'c'));
    expect((await lockOf(dest)).packages['up-conflict'].version).toBe('1.0.1');
  });

  it('removes a file the new version drops and keeps one changed locally', async () => {
    await publish('up-drop', '1.0.0', { 'd/new/keep.t': 'k\n', 'd/new/gone.t': 'g\n', 'd/new/edited.t': 'e\n' });
    const dest = await tempDir();
    expect((await unjucks(['install', 'up-drop', '--dir', dest], { env })).code).toBe(0);
    await writeFile(join(dest, '_templates/d/new/edited.t'), 'e, edited\n');
    await publish('up-drop', '1.1.0', { 'd/new/keep.t': 'k\n' });
    const r = await unjucks(['update', '--dir', dest], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/remove\s+_templates\/d\/new\/gone\.t/);
    expect(r.stdout).toMatch(/keep\s+_templates\/d\/new\/edited\.t \(changed locally; kept\)/);
    expect(await listFiles(dest)).toEqual(['_templates/d/new/edited.t', '_templates/d/new/keep.t', 'unjucks-lock.json']);
    expect((await lockOf(dest)).packages['up-drop'].files).toEqual({ '_templates/d/new/keep.t': expect.any(String) });
  });

  it('uninstalls a package and its orphaned dependency, keeping a changed file', async () => {
    await publish('un-base', '1.0.0', { 'ub/new/a.t': 'a\n', 'ub/new/b.t': 'b\n' });
    await publish('un-top', '1.0.0', { 'ut/new/t.t': 't\n' }, { 'un-base': '^1.0.0' });
    await publish('un-other', '1.0.0', { 'uo/new/o.t': 'o\n' });
    const dest = await tempDir();
    expect((await unjucks(['install', 'un-top', 'un-other', '--dir', dest], { env })).code).toBe(0);
    await writeFile(join(dest, '_templates/ub/new/b.t'), 'b, mine\n');

    const dep = await unjucks(['uninstall', 'un-base', '--dir', dest], { env });
    expect(dep.code).toBe(1);
    expect(dep.stderr).toMatch(/un-base was not installed directly: un-top@1\.0\.0 needs it/);

    const r = await unjucks(['uninstall', 'un-top', '--dir', dest], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/removed un-top@1\.0\.0: 1 file\(s\) removed/);
    expect(r.stdout).toMatch(/removed un-base@1\.0\.0: 1 file\(s\) removed\n {2}kept, changed locally:\n {4}_templates\/ub\/new\/b\.t/);
    expect(await listFiles(dest)).toEqual(['_templates/ub/new/b.t', '_templates/uo/new/o.t', 'unjucks-lock.json']);
    const lock = await lockOf(dest);
    expect(lock.dependencies).toEqual({ 'un-other': '^1.0.0' });
    expect(Object.keys(lock.packages)).toEqual(['un-other']);
  });

  it('outdated exits 0 when current and 1 when a newer version exists', async () => {
    await publish('od', '1.0.0', { 'od/new/a.t': 'a\n' });
    const dest = await tempDir();
    expect((await unjucks(['install', 'od@^1.0.0', '--dir', dest], { env })).code).toBe(0);
    const current = await unjucks(['outdated', '--dir', dest], { env });
    expect(current.code).toBe(0);
    expect(current.stdout).toContain('every package is up to date');
    await publish('od', '1.2.0', { 'od/new/a.t': 'a2\n' });
    await publish('od', '2.0.0', { 'od/new/a.t': 'a3\n' });
    const r = await unjucks(['outdated', '--dir', dest], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/od\s+1\.0\.0\s+1\.2\.0\s+2\.0\.0\s+\^1\.0\.0 \(your project\)/);
    const json = await unjucks(['outdated', '--dir', dest, '--json'], { env });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      od: { current: '1.0.0', wanted: '1.2.0', latest: '2.0.0', ranges: [{ from: 'your project', range: '^1.0.0' }] },
    });
  });

  it('--frozen-lockfile installs exactly the lock with no registry, and refuses a mismatch', async () => {
    await publish('fz', '1.0.0', { 'fz/new/a.t': 'a\n' });
    await publish('fz', '2.0.0', { 'fz/new/a.t': 'b\n' });
    const dest = await tempDir();
    expect((await unjucks(['install', 'fz@^1', '--dir', dest], { env })).code).toBe(0);
    const lock = await readFile(join(dest, 'unjucks-lock.json'), 'utf8');

    const asked = await unjucks(['install', 'fz@^2', '--frozen-lockfile', '--dir', dest], { env });
    expect(asked.code).toBe(1);
    expect(asked.stderr).toMatch(
      /--frozen-lockfile: unjucks-lock\.json does not match what is asked for: the command asks for fz@\^2 but the lock records \^1/,
    );

    await writeFile(join(dest, 'package.json'), JSON.stringify({ name: 'app', unjucks: { dependencies: { fz: '^2.0.0' } } }));
    const declared = await unjucks(['install', '--frozen-lockfile', '--dir', dest], { env });
    expect(declared.code).toBe(1);
    expect(declared.stderr).toMatch(/fz is asked for at \^2\.0\.0 but the lock records \^1/);
    expect(await readFile(join(dest, 'unjucks-lock.json'), 'utf8')).toBe(lock);
    expect(await readFile(join(dest, '_templates/fz/new/a.t'), 'utf8')).toBe('a\n');

    // Matching: installs the lock without asking the registry anything (this one does not exist).
    await writeFile(join(dest, 'package.json'), JSON.stringify({ name: 'app', unjucks: { dependencies: { fz: '^1' } } }));
    await rm(join(dest, '_templates'), { recursive: true });
    const ok = await unjucks(['install', '--frozen-lockfile', '--dir', dest, '--registry', 'http://127.0.0.1:9'], { env });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(await readFile(join(dest, '_templates/fz/new/a.t'), 'utf8')).toBe('a\n');

    // Without the flag, a changed package.json is resolved and written back to the lock.
    await writeFile(join(dest, 'package.json'), JSON.stringify({ name: 'app', unjucks: { dependencies: { fz: '^2.0.0' } } }));
    expect((await unjucks(['install', '--dir', dest], { env })).code).toBe(0);
    expect((await lockOf(dest)).dependencies).toEqual({ fz: '^2.0.0' });
    expect(await readFile(join(dest, '_templates/fz/new/a.t'), 'utf8')).toBe('b\n');
  });

  it('reads a version 1 lockfile and migrates it on the next write', async () => {
    await publish('v1-lock', '1.0.0', { 'v1/new/a.t': 'a\n' });
    await publish('v1-lock', '1.1.0', { 'v1/new/a.t': 'a\n' });
    const dest = await tempDir();
    expect((await unjucks(['install', 'v1-lock@1.0.0', '--dir', dest], { env })).code).toBe(0);
    const { packages } = await lockOf(dest);
    const v1 = { lockfileVersion: 1, packages: { 'v1-lock': { ...packages['v1-lock'], dependencies: undefined } } };
    await writeFile(join(dest, 'unjucks-lock.json'), JSON.stringify(v1, null, 2));
    await rm(join(dest, '_templates'), { recursive: true });
    const r = await unjucks(['install', '--dir', dest], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(dest, '_templates/v1/new/a.t'), 'utf8')).toBe('a\n');
    const lock = await lockOf(dest);
    expect(lock).toMatchObject({ lockfileVersion: 2, dependencies: { 'v1-lock': '^1.0.0' } });
    expect(lock.packages['v1-lock'].version).toBe('1.0.0');
  });

  it('installs into two projects at once through one cache', async () => {
    await publish('cc-base', '1.0.0', Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`ccb/new/f${i}.t`, `base ${i}\n`])));
    await publish('cc-top', '1.0.0', { 'cct/new/t.t': 't\n' }, { 'cc-base': '^1.0.0' });
    const cache = await tempDir('unjucks-cache-');
    const [a, b] = [await tempDir(), await tempDir()];
    const both = await Promise.all([a, b].map((dir) => unjucks(['install', 'cc-top', '--dir', dir], { env: { ...env, XDG_CACHE_HOME: cache } })));
    for (const r of both) expect(r.code, r.stderr).toBe(0);
    expect(await listFiles(a)).toEqual(await listFiles(b));
    expect(await listFiles(a)).toHaveLength(22);
    const entries = await listFiles(join(cache, 'unjucks'));
    expect(entries.filter((e) => e.startsWith('content-v1/sha512/'))).toHaveLength(2);
    expect(entries.filter((e) => e.endsWith('.tmp'))).toEqual([]);
    const lockA = await lockOf(a);
    expect(await lockOf(b)).toEqual(lockA);
  });

  it('detects a corrupted cache entry, discards it and fetches the tarball again', async () => {
    const body = await publish('corrupt', '1.0.0', { 'cor/new/a.t': 'a\n' });
    const cache = await tempDir('unjucks-cache-');
    const cenv = { ...env, XDG_CACHE_HOME: cache };
    expect((await unjucks(['install', 'corrupt', '--dir', await tempDir()], { env: cenv })).code).toBe(0);
    const hex = Buffer.from(String(body.integrity).slice(7), 'base64').toString('hex');
    const entry = join(cache, 'unjucks/content-v1/sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
    const good = await readFile(entry);
    const bad = Buffer.from(good);
    bad[bad.length - 3]! ^= 0xff;
    await writeFile(entry, bad);

    const dest = await tempDir();
    const r = await unjucks(['install', 'corrupt', '--dir', dest], { env: cenv });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: the cached tarball of corrupt@1\.0\.0 was damaged; it was discarded and fetched again/);
    expect(await readFile(join(dest, '_templates/cor/new/a.t'), 'utf8')).toBe('a\n');
    expect((await readFile(entry)).equals(good)).toBe(true);

    // Offline, a damaged entry is an error, not a silent install of bad bytes.
    await writeFile(entry, bad);
    await rm(join(dest, '_templates'), { recursive: true });
    const off = await unjucks(['install', '--dir', dest, '--offline'], { env: cenv });
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/corrupt@1\.0\.0 is not in the cache .*run without --offline/);
    expect(await listFiles(dest)).toEqual(['unjucks-lock.json']);
  });

  // Last: it stops the registry.
  it('reinstalls and updates from the cache with the registry stopped', async () => {
    await publish('off-base', '1.0.0', { 'ob/new/a.t': 'a\n' });
    await publish('off-top', '1.0.0', { 'ot/new/t.t': 't\n' }, { 'off-base': '^1.0.0' });
    const dest = await tempDir();
    expect((await unjucks(['install', 'off-top', '--dir', dest], { env })).code).toBe(0);
    const lock = await readFile(join(dest, 'unjucks-lock.json'), 'utf8');
    await server.stop();

    await rm(join(dest, '_templates'), { recursive: true });
    const r = await unjucks(['install', '--dir', dest], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await listFiles(dest)).toEqual(['_templates/ob/new/a.t', '_templates/ot/new/t.t', 'unjucks-lock.json']);
    expect(await readFile(join(dest, 'unjucks-lock.json'), 'utf8')).toBe(lock);

    // An update with nothing new uses the cached documents, and says so.
    const up = await unjucks(['update', '--dir', dest], { env });
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('everything is up to date');
    expect(up.stderr).toMatch(/note: the registry is unreachable; using the copy of off-top cached at/);

    // --offline installs a new project from cached documents and tarballs alone.
    const fresh = await tempDir();
    const off = await unjucks(['install', 'off-top@^1', '--dir', fresh, '--offline'], { env });
    expect(off.code, off.stderr).toBe(0);
    expect(await listFiles(fresh)).toEqual(['_templates/ob/new/a.t', '_templates/ot/new/t.t', 'unjucks-lock.json']);
    const missing = await unjucks(['install', 'never-fetched', '--dir', fresh, '--offline'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/never-fetched is not in the cache .*run without --offline/);
  });
});
