import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand, type CliResult } from './cli.js';
import { ROOT } from './paths.js';

/**
 * The real Yarn binaries, pinned: Yarn releases change defaults (4.18.1 quarantines versions
 * younger than a day unless told otherwise), so a version bump is a deliberate edit here, not a
 * surprise in CI.
 */
export const YARN_CLASSIC = '1.22.22';
export const YARN_BERRY = '4.18.1';

/** Each yarn step is bounded: a hung client fails its test instead of the run. */
const STEP_MS = 45_000;

const withoutNpmVars = (env: NodeJS.ProcessEnv) =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !/^npm_/i.test(e[0]) && e[1] !== undefined));

/**
 * Installs both Yarns once with the machine's npm (corepack is not usable here) into a cache
 * folder keyed by their versions, and returns their entry points. They are not devDependencies:
 * `yarn` in node_modules/.bin would shadow a developer's own yarn in every pnpm script, and the
 * test needs no lockfile churn to move to a new Yarn.
 */
export async function yarnBinaries(): Promise<{ classic: string; berry: string }> {
  const dir = join(ROOT, 'node_modules/.cache/yarn-e2e', `${YARN_CLASSIC}-${YARN_BERRY}`);
  const bins = { classic: join(dir, 'node_modules/yarn/bin/yarn.js'), berry: join(dir, 'node_modules/@yarnpkg/cli-dist/bin/yarn.js') };
  const present = await Promise.all([access(bins.classic), access(bins.berry)]).then(
    () => true,
    () => false,
  );
  if (present) return bins;
  await mkdir(join(dir, '..'), { recursive: true });
  // Into a fresh folder, moved into place whole: an interrupted install never looks complete.
  const tmp = await mkdtemp(`${dir}.tmp-`);
  const r = await runCommand(
    'npm',
    ['install', '--prefix', tmp, '--ignore-scripts', '--no-audit', '--no-fund', `yarn@${YARN_CLASSIC}`, `@yarnpkg/cli-dist@${YARN_BERRY}`],
    {
      // The machine's npm as a person runs it (its CA and proxy settings live in the environment),
      // less the npm_* variables that the pnpm running the tests sets for its own scripts.
      env: { ...withoutNpmVars(process.env), npm_config_update_notifier: 'false' },
      timeoutMs: 180_000,
    },
  );
  if (r.code !== 0) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`npm could not install yarn@${YARN_CLASSIC} and @yarnpkg/cli-dist@${YARN_BERRY}:\n${r.stderr}`);
  }
  await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
    // Another run got there first; its copy is as good as ours.
    if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    await rm(tmp, { recursive: true, force: true });
  });
  return bins;
}

export interface YarnUser {
  home: string;
  /** Runs this Yarn in `cwd` with the user's own HOME, cache and global folder, and nothing else. */
  yarn(args: string[], cwd: string): Promise<CliResult>;
  /**
   * Runs an interactive command, typing each answer once its prompt shows (yarn npm login). With
   * `tty`, inside a pseudo-terminal from util-linux's script(1): Yarn classic never prompts when
   * its stdout is not a terminal.
   */
  answer(args: string[], cwd: string, answers: [prompt: RegExp, reply: string][], opts?: { tty?: boolean }): Promise<CliResult>;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function userOf(bin: string, home: string, env: Record<string, string>): YarnUser {
  const fullEnv = { PATH: process.env.PATH!, HOME: home, ...env };
  return {
    home,
    yarn: (args, cwd) => runCommand(process.execPath, [bin, ...args], { env: fullEnv, cwd, timeoutMs: STEP_MS }),
    answer: (args, cwd, answers, opts = {}) =>
      new Promise((resolve, reject) => {
        const argv = [process.execPath, bin, ...args];
        const [cmd, cmdArgs] = opts.tty ? ['script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null']] : [argv[0]!, argv.slice(1)];
        const proc = spawn(cmd, cmdArgs, { cwd, env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let next = 0;
        // Only output after the last answer counts: prompts redraw themselves as they are answered.
        let from = 0;
        const timer = setTimeout(() => proc.kill('SIGKILL'), STEP_MS);
        const onData = () => {
          const seen = stdout + stderr;
          if (next < answers.length && answers[next]![0].test(seen.slice(from))) {
            proc.stdin.write(`${answers[next++]![1]}\r`);
            from = seen.length;
          }
        };
        proc.stdout.on('data', (d) => {
          stdout += d;
          onData();
        });
        proc.stderr.on('data', (d) => {
          stderr += d;
          onData();
        });
        proc.on('error', reject);
        proc.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout, stderr });
        });
      }),
  };
}

const yamlString = (s: string) => JSON.stringify(s);

export interface BerryConfig {
  /** npmAuthToken for the default registry. */
  token?: string | null;
  /** Sends the token for unscoped packages too (Yarn sends it only for scoped ones by default). */
  alwaysAuth?: boolean;
  /** npmScopes: scope (without @) to its token, on the same registry. */
  scopes?: Record<string, string>;
}

/**
 * A Yarn Berry user whose ~/.yarnrc.yml points at the test registry only: telemetry and progress
 * bars off, node_modules linker, plain http allowed for 127.0.0.1, and no minimal age (Yarn 4
 * quarantines versions younger than a day by default, and every test version is seconds old).
 */
export async function berryUser(bin: string, home: string, registryUrl: string, config: BerryConfig = {}): Promise<YarnUser> {
  await mkdir(home, { recursive: true });
  const lines = [
    `npmRegistryServer: ${yamlString(registryUrl)}`,
    ...(config.token ? [`npmAuthToken: ${yamlString(config.token)}`] : []),
    ...(config.alwaysAuth ? ['npmAlwaysAuth: true'] : []),
    'npmMinimalAgeGate: 0',
    ...(config.scopes
      ? [
          'npmScopes:',
          ...Object.entries(config.scopes).flatMap(([scope, token]) => [
            `  ${scope}:`,
            `    npmRegistryServer: ${yamlString(registryUrl)}`,
            `    npmAuthToken: ${yamlString(token)}`,
            // Each scope has its own age gate, defaulting to a day again.
            '    npmMinimalAgeGate: 0',
          ]),
        ]
      : []),
    'unsafeHttpWhitelist:',
    `  - ${yamlString(new URL(registryUrl).hostname)}`,
    'enableTelemetry: false',
    'enableProgressBars: false',
    'enableGlobalCache: false',
    'nodeLinker: node-modules',
  ];
  await writeFile(join(home, '.yarnrc.yml'), `${lines.join('\n')}\n`);
  return userOf(bin, home, {
    YARN_CACHE_FOLDER: join(home, 'cache'),
    YARN_GLOBAL_FOLDER: join(home, 'global'),
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_COLORS: '0',
    YARN_ENABLE_HYPERLINKS: '0',
    YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
  });
}

/**
 * A Yarn classic user: ~/.npmrc holds the registry and token as for npm (always-auth when asked,
 * since classic sends the token for unscoped packages only then), ~/.yarnrc the same registry and
 * no self-update check.
 */
export async function classicUser(
  bin: string,
  home: string,
  registryUrl: string,
  token: string | null,
  opts: { alwaysAuth?: boolean } = {},
): Promise<YarnUser> {
  await mkdir(home, { recursive: true });
  const host = new URL(registryUrl).host;
  await writeFile(
    join(home, '.npmrc'),
    `registry=${registryUrl}/\n${token ? `//${host}/:_authToken=${token}\n` : ''}${opts.alwaysAuth ? 'always-auth=true\n' : ''}`,
  );
  await writeFile(join(home, '.yarnrc'), `registry "${registryUrl}/"\ndisable-self-update-check true\n`);
  return userOf(bin, home, {
    YARN_CACHE_FOLDER: join(home, 'cache'),
    YARN_GLOBAL_FOLDER: join(home, 'global'),
    npm_config_userconfig: join(home, '.npmrc'),
    // Run as root, classic takes /usr/local/share for the home folder (and writes the name and
    // email of a login to its .yarnrc); a fakeroot marker keeps it in HOME like any user.
    FAKEROOTKEY: '1',
  });
}

/** A project folder with a package.json, outside any user's HOME. */
export async function yarnProject(dir: string, manifest: Record<string, unknown> = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'yarn-project', version: '1.0.0', private: true, ...manifest }, null, 2));
  return dir;
}
