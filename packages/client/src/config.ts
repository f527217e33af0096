import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

export interface ClientConfig {
  registry?: string;
  token?: string;
}

export const DEFAULT_REGISTRY = 'http://127.0.0.1:3000';

export const configPath = (env = process.env) => join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'unjucks', 'config.json');

export async function readConfig(env = process.env): Promise<ClientConfig> {
  try {
    return JSON.parse(await readFile(configPath(env), 'utf8')) as ClientConfig;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${configPath(env)}: ${(e as Error).message}; fix or delete it`);
  }
}

/** Writes the config with mode 0600: it holds a token. */
export async function writeConfig(config: ClientConfig, env = process.env): Promise<string> {
  const path = configPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

export interface Settings {
  registry: string;
  token: string | undefined;
}

/** Precedence: --registry flag, then UNJUCKS_REGISTRY / UNJUCKS_TOKEN (else REGISTRY_TOKEN), then the config file. */
export async function resolveSettings(flags: { registry?: string }, env = process.env): Promise<Settings> {
  const file = await readConfig(env);
  const registry = (flags.registry || env.UNJUCKS_REGISTRY || file.registry || DEFAULT_REGISTRY).replace(/\/+$/, '');
  try {
    new URL(registry);
  } catch {
    throw new CliError(`the registry URL ${JSON.stringify(registry)} is not a URL; pass --registry http://host:port`);
  }
  // REGISTRY_TOKEN: the name CI examples for this tool use for the secret.
  return { registry, token: env.UNJUCKS_TOKEN || env.REGISTRY_TOKEN || file.token };
}
