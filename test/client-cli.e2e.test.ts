import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, unjucks } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

/** The command surface of the real `unjucks` binary: help, registration, strict options, errors. No registry needed. */
describe('the unjucks command line', () => {
  let home: string;
  let project: string;
  let opts: { env: Record<string, string>; cwd: string };
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'unjucks-cli-home-'));
    // A project root of its own, so an unknown command finds no generator to hand itself to.
    project = await mkdtemp(join(tmpdir(), 'unjucks-cli-project-'));
    await writeFile(join(project, 'package.json'), '{"name":"cli-test-project"}');
    opts = { env: { HOME: home }, cwd: project };
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(project, { recursive: true, force: true });
  });

  /** The `commands:` section of `unjucks --help`: name and aliases of each listed command. */
  const listed = async () => {
    const r = await unjucks(['--help'], opts);
    expect(r.code).toBe(0);
    const section = r.stdout.split('\ncommands:\n')[1]!.split('\n\n')[0]!;
    return section
      .split('\n')
      .filter((l) => /^ {2}\S/.test(l))
      .map((l) =>
        l
          .trim()
          .split(/\s{2,}/)[0]!
          .split(', '),
      );
  };

  it('lists exactly the command files, and each listed command answers --help with its own usage', async () => {
    const files = (await readdir(join(ROOT, 'packages/client/src/commands'))).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    const commands = await listed();
    // A file in commands/ that cli.ts does not register, or a listed command without a file, fails here.
    expect(commands.map(([name]) => name).sort()).toEqual(files.sort());
    expect(commands.find(([name]) => name === 'list')).toEqual(['list', 'ls']);
    for (const [name] of commands) {
      const help = await unjucks([name!, '--help'], opts);
      expect(help.code, name).toBe(0);
      expect(help.stderr, name).toBe('');
      expect(help.stdout, name).toMatch(new RegExp(`^usage: unjucks ${name} `));
    }
  });

  it("names every option of each command in that command's --help, from the command's definition", async () => {
    for (const file of await readdir(join(ROOT, 'packages/client/dist/commands'))) {
      if (!file.endsWith('.js')) continue;
      const def = (await import(pathToFileURL(join(ROOT, 'packages/client/dist/commands', file)).href)).default;
      const name = file.slice(0, -3);
      expect(def.meta.name, file).toBe(name);
      expect(def.meta.description, file).toBeTruthy();
      const help = (await unjucks([name, '--help'], opts)).stdout;
      for (const [arg, spec] of Object.entries(def.args as Record<string, { type: string; description?: string }>)) {
        expect(spec.description, `${name} ${arg}`).toBeTruthy();
        if (spec.type !== 'positional') expect(help, `${name} --help names --${arg}`).toMatch(new RegExp(`^  (-\\w, )?--${arg}\\b.*\\S`, 'm'));
      }
    }
  });

  it('shows the options users rely on in the help of their command, by -h, --help and help <command>', async () => {
    const install = await unjucks(['install', '--help'], opts);
    for (const o of ['--registry URL', '--json', '--dir D', '--force', '--allow-scripts', '--frozen-lockfile', '--offline', '--prefer-offline'])
      expect(install.stdout).toContain(`  ${o}`);
    expect((await unjucks(['help', 'install'], opts)).stdout).toBe(install.stdout);
    expect((await unjucks(['install', '-h'], opts)).stdout).toBe(install.stdout);
    expect((await unjucks(['publish', '--help'], opts)).stdout).toMatch(/--tag T[\s\S]*--dry-run/);
    expect((await unjucks(['token', '--help'], opts)).stdout).toMatch(/--actions LIST[\s\S]*--cidr LIST[\s\S]*--user U/);
    expect((await unjucks(['ls', '--help'], opts)).stdout).toMatch(/^usage: unjucks list \[options\]\nalias: unjucks ls\n/);

    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const main = await unjucks(args, opts);
      expect(main.code, args.join(' ')).toBe(0);
      expect(main.stdout).toMatch(/^usage: unjucks <command> \[options\]\n/);
      expect(main.stdout).toMatch(/UNJUCKS_REGISTRY and UNJUCKS_TOKEN \(or REGISTRY_TOKEN\) override the config file/);
      expect(main.stdout).toMatch(/handed to the Unjucks generator/);
    }
  });

  it('prints its version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'packages/client/package.json'), 'utf8'));
    const r = await unjucks(['--version'], opts);
    expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    // The bundle the registry serves as @unjucks/client carries the server's version.
    const server = JSON.parse(await readFile(join(ROOT, 'packages/server/package.json'), 'utf8'));
    const bundled = await runCommand(process.execPath, [join(ROOT, 'packages/server/dist/client/cli.mjs'), '--version'], opts);
    expect(bundled).toEqual({ code: 0, stdout: `${server.version}\n`, stderr: '' });
  });

  it('refuses an unknown option, a missing value and a value given to a flag, in one line with exit 1', async () => {
    const bogus = await unjucks(['install', 'x', '--bogus'], opts);
    expect(bogus.code).toBe(1);
    expect(bogus.stdout).toBe('');
    expect(bogus.stderr).toMatch(/^unjucks: Unknown option '--bogus'.*`unjucks install --help` lists the options\)\n$/);
    // An option of another command is unknown here: info has no --tag.
    expect(await unjucks(['info', 'x', '--tag', 'next'], opts)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^unjucks: Unknown option '--tag'/) });
    expect(await unjucks(['search', 'x', '--size'], opts)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^unjucks: Option '--size <value>' argument missing/),
    });
    expect(await unjucks(['list', '--json=false'], opts)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^unjucks: Option '--json' does not take an argument/),
    });
    expect(await unjucks(['--bogus'], opts)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^unjucks: Unknown option '--bogus'/) });
    const json = await unjucks(['install', '--bogus', '--json'], opts);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatch(/^Unknown option '--bogus'/);
  });

  it('refuses an unknown command with the list of commands and exit 1, when no Unjucks generator takes it', async () => {
    const r = await unjucks(['frobnicate', 'x', '--name', 'y'], opts);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^unjucks: unknown command "frobnicate"; commands such as generate and new belong to the Unjucks generator/);
    expect(r.stderr).toMatch(/\ncommands:\n {2}login/);
    const json = await unjucks(['frobnicate', '--json'], opts);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatch(/^unknown command "frobnicate"/);
  });

  it('takes options before the command, the last of a repeated option, and the registry from --registry over UNJUCKS_REGISTRY', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'unjucks-cli-empty-'));
    try {
      expect(await unjucks(['--dir', empty, 'ls'], opts)).toEqual({ code: 0, stdout: 'no packages installed here\n', stderr: '' });
      expect(await unjucks(['ls', '--dir', join(empty, 'nope'), '--dir', empty, '--json'], opts)).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
    const env = { ...opts.env, UNJUCKS_REGISTRY: 'http://127.0.0.1:7' };
    const fromEnv = await unjucks(['info', 'x'], { ...opts, env });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toMatch(/^unjucks: looking up x: cannot reach the registry at http:\/\/127\.0\.0\.1:7 /);
    const flag = await unjucks(['--registry', 'http://127.0.0.1:8', 'info', 'x', '--registry', 'http://127.0.0.1:9'], { ...opts, env });
    expect(flag.stderr).toMatch(/cannot reach the registry at http:\/\/127\.0\.0\.1:9 /);
  });
});
