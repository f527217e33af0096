import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand, type CliResult } from './cli.js';

/** A user of the real npm and pnpm binaries: own HOME, .npmrc and cache, pointed at one registry. */
export interface NpmUser {
  npm(args: string[], opts?: { cwd?: string; input?: string }): Promise<CliResult>;
  pnpm(args: string[], opts?: { cwd?: string }): Promise<CliResult>;
  home: string;
}

const run = (cmd: string, args: string[], env: Record<string, string>, cwd: string, input?: string) => runCommand(cmd, args, { env, cwd, input });

export async function npmUser(home: string, registryUrl: string, token: string | null): Promise<NpmUser> {
  await mkdir(home, { recursive: true });
  const host = new URL(registryUrl).host;
  const npmrc = join(home, '.npmrc');
  await writeFile(npmrc, `registry=${registryUrl}/\n${token ? `//${host}/:_authToken=${token}\n` : ''}`);
  const env = {
    PATH: process.env.PATH!,
    HOME: home,
    npm_config_userconfig: npmrc,
    npm_config_cache: join(home, '.npm'),
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_loglevel: 'warn',
  };
  return {
    home,
    npm: (args, opts = {}) => run('npm', args, env, opts.cwd ?? home, opts.input),
    pnpm: (args, opts = {}) => {
      // The pnpm running the tests (npx pnpm@10 may leave none on PATH), else the one on PATH.
      const execPath = process.env.npm_execpath?.includes('pnpm') ? process.env.npm_execpath : null;
      const full = [...args, '--store-dir', join(home, '.pnpm-store')];
      return execPath ? run(process.execPath, [execPath, ...full], env, opts.cwd ?? home) : run('pnpm', full, env, opts.cwd ?? home);
    },
  };
}
