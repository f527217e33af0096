import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

export interface ClientConfig {
  /** The registry commands use when neither --registry nor UNJUCKS_REGISTRY names one. */
  registry?: string;
  /** Saved logins, keyed by registry URL (see registryKey): each token goes only to its own registry. */
  tokens?: Record<string, string>;
  /** Written by earlier clients (one login): the token of `registry`, and of no other. */
  token?: string;
}

export const DEFAULT_REGISTRY = 'http://127.0.0.1:3000';

export const configPath = (env = process.env) => join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'unjucks', 'config.json');

export async function readConfig(env = process.env): Promise<ClientConfig> {
  try {
    return checkConfig(JSON.parse(await readFile(configPath(env), 'utf8')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${configPath(env)}: ${(e as Error).message}; fix or delete it`);
  }
}

const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((t) => typeof t === 'string');

/** The file's shape, checked: a token picked out of a value of the wrong type would go somewhere. */
function checkConfig(json: unknown): ClientConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not a JSON object');
  const c = json as Record<string, unknown>;
  for (const key of ['registry', 'token'] as const) if (c[key] !== undefined && typeof c[key] !== 'string') throw new Error(`"${key}" is not a string`);
  if (c.tokens !== undefined && !isStringMap(c.tokens)) throw new Error('"tokens" is not an object of registry URLs to token strings');
  return c as ClientConfig;
}

/** Writes the config with mode 0600: it holds a token. */
export async function writeConfig(config: ClientConfig, env = process.env): Promise<string> {
  const path = configPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

/**
 * The key a registry's saved token is filed under: origin plus path, no trailing slash, so
 * `HTTP://Host:80/` and `http://host` are one registry and `http://host/a` another.
 */
export function registryKey(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * The saved logins by registryKey. A config written by the earlier client (one registry, one
 * token) is read as that registry's login, and no other's.
 */
function savedTokens(file: ClientConfig): Record<string, string> {
  const tokens: Record<string, string> = {};
  if (file.token && file.registry) {
    try {
      tokens[registryKey(file.registry)] = file.token;
    } catch {
      // A registry that is not a URL: its token belongs to no registry a command can name.
    }
  }
  return { ...tokens, ...file.tokens };
}

/**
 * The token saved for `registry`, if any. A login is never sent to another registry: running a
 * command with --registry pointing elsewhere must not hand that server the credential (it could
 * be anyone's server, and would then hold a working token for ours).
 */
export const savedToken = (file: ClientConfig, registry: string): string | undefined => savedTokens(file)[registryKey(registry)];

/** The config after a login: the token filed under its registry, which becomes the default. */
export function withLogin(file: ClientConfig, registry: string, token: string): ClientConfig {
  const { token: _legacy, ...rest } = file;
  return { ...rest, registry, tokens: { ...savedTokens(file), [registryKey(registry)]: token } };
}

export interface Settings {
  registry: string;
  token: string | undefined;
}

/**
 * Precedence: --registry flag, then UNJUCKS_REGISTRY / UNJUCKS_TOKEN (else REGISTRY_TOKEN), then the
 * config file, whose token is used only for the registry it was saved for.
 */
export async function resolveSettings(flags: { registry?: string }, env = process.env): Promise<Settings> {
  const file = await readConfig(env);
  const registry = (flags.registry || env.UNJUCKS_REGISTRY || file.registry || DEFAULT_REGISTRY).replace(/\/+$/, '');
  try {
    new URL(registry);
  } catch {
    throw new CliError(`the registry URL ${JSON.stringify(registry)} is not a URL; pass --registry http://host:port`);
  }
  // REGISTRY_TOKEN: the name CI examples for this tool use for the secret. A token in the
  // environment is the caller's explicit choice for this run, so it goes to whichever registry is named.
  return { registry, token: env.UNJUCKS_TOKEN || env.REGISTRY_TOKEN || savedToken(file, registry) };
}
