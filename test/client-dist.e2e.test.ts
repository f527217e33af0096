import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { runCommand } from './helpers/cli.js';
import { npmUser, type NpmUser } from './helpers/npm.js';
import { gzipTar, manifestFor, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SERVER_VERSION = JSON.parse(await readFile(new URL('../packages/server/package.json', import.meta.url), 'utf8')).version as string;

/**
 * A developer with nothing cloned: the client comes from the registry itself through real npm, and
 * the templates it installs run under the real `hygen` from the public npm registry.
 */
describe('the client people can get', () => {
  let server: TestServer;
  let root: string;
  let dev: NpmUser;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!);
    root = await mkdtemp(join(tmpdir(), 'unjucks-dist-'));
    dev = await npmUser(join(root, 'home'), server.url, null);
  });
  afterAll(async () => {
    await server?.destroy();
    await rm(root, { recursive: true, force: true });
  });

  it('serves @unjucks/client at the server version, bundled, through the npm protocol', async () => {
    const doc = await (await fetch(`${server.url}/@unjucks%2fclient`)).json();
    expect(doc['dist-tags']).toEqual({ latest: SERVER_VERSION });
    const v = doc.versions[SERVER_VERSION];
    expect(v.bin).toEqual({ unjucks: 'cli.mjs' });
    expect(v.dist.tarball).toBe(`${server.url}/@unjucks/client/-/client-${SERVER_VERSION}.tgz`);
    const tgz = Buffer.from(await (await fetch(v.dist.tarball)).arrayBuffer());
    const { createHash } = await import('node:crypto');
    expect(`sha512-${createHash('sha512').update(tgz).digest('base64')}`).toBe(v.dist.integrity);
  });

  it('npx installs the client from the registry; it installs a Hygen-style package that the real hygen generates from', { timeout: 240_000 }, async () => {
    const tgz = gzipTar([
      { path: 'package/package.json', content: JSON.stringify(manifestFor('hygen-style', '1.0.0', { unjucks: undefined })) },
      { path: 'package/README.md', content: '# hygen-style\n' },
      {
        path: 'package/_templates/component/new/component.ejs.t',
        content: '---\nto: src/<%= name %>.js\n---\nexport const <%= name %> = () => "<%= name %>";\n',
      },
    ]);
    const pub = await publishRaw(server.api, server.adminToken, tgz);
    expect(pub.status, JSON.stringify(pub.body)).toBe(201);

    const project = join(root, 'project');
    await mkdir(project);
    const npx = (args: string[]) => dev.npm(['exec', '--yes', '--', '@unjucks/client', ...args], { cwd: project });
    const help = await npx(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/handed to the Unjucks generator/);
    const inst = await runCommand('npm', ['exec', '--yes', '--', '@unjucks/client', 'install', 'hygen-style'], {
      cwd: project,
      env: {
        PATH: process.env.PATH!,
        HOME: dev.home,
        npm_config_userconfig: join(dev.home, '.npmrc'),
        npm_config_cache: join(dev.home, '.npm'),
        UNJUCKS_REGISTRY: server.url,
        XDG_CACHE_HOME: join(dev.home, '.cache'),
      },
    });
    expect(inst.code, inst.stderr).toBe(0);
    expect(inst.stdout).toMatch(/installed hygen-style@1\.0\.0/);

    // The real hygen, from the public npm registry, in a folder of its own.
    const tools = join(root, 'tools');
    await mkdir(tools);
    const npmEnv = {
      PATH: process.env.PATH!,
      HOME: tools,
      npm_config_registry: 'https://registry.npmjs.org/',
      npm_config_cache: join(tools, '.npm'),
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    const getHygen = await runCommand('npm', ['install', '--no-save', '--no-package-lock', 'hygen@6'], { cwd: tools, env: npmEnv });
    expect(getHygen.code, getHygen.stderr).toBe(0);
    const gen = await runCommand(join(tools, 'node_modules/.bin/hygen'), ['component', 'new', '--name', 'Button'], {
      cwd: project,
      env: { PATH: process.env.PATH!, HOME: tools },
    });
    expect(gen.code, gen.stdout + gen.stderr).toBe(0);
    expect(await readFile(join(project, 'src/Button.js'), 'utf8')).toBe('export const Button = () => "Button";\n');
  });

  it("hands commands it does not own to the project's Unjucks generator", async () => {
    const project = join(root, 'with-generator');
    // A stand-in for the Unjucks generator's package: the real one is not on the npm registry this machine reaches.
    const pkg = join(project, 'node_modules/unjucks');
    await mkdir(pkg, { recursive: true });
    await mkdir(join(project, 'node_modules/.bin'));
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'unjucks', version: '1.0.0', bin: { unjucks: 'cli.js' } }));
    await writeFile(join(pkg, 'cli.js'), '#!/usr/bin/env node\nconsole.log(`generator: ${process.argv.slice(2).join(" ")}`);\nprocess.exit(3);\n');
    await chmod(join(pkg, 'cli.js'), 0o755);
    await symlink('../unjucks/cli.js', join(project, 'node_modules/.bin/unjucks'));
    const r = await dev.npm(['exec', '--yes', '--', '@unjucks/client', 'generate', 'component', 'new', '--name', 'Button'], { cwd: project });
    expect(r.stdout).toContain('generator: generate component new --name Button');
    expect(r.code).toBe(3);

    // Not beyond the project root: a generator in a parent folder of a project is not its generator.
    const nested = join(project, 'apps/web');
    await mkdir(nested, { recursive: true });
    await writeFile(join(nested, 'package.json'), '{"name":"web"}');
    const outside = await dev.npm(['exec', '--yes', '--', '@unjucks/client', 'generate', 'x'], { cwd: nested });
    expect(outside.code).toBe(1);
    expect(outside.stdout).not.toContain('generator:');
    const empty = join(root, 'no-generator');
    await mkdir(empty, { recursive: true });
    const none = await dev.npm(['exec', '--yes', '--', '@unjucks/client', 'generate', 'x'], { cwd: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/unknown command "generate"; commands such as generate and new belong to the Unjucks generator/);
  });
});
