import { readConfig, writeConfig } from '../config.js';
import { CliError } from '../errors.js';
import { getJson } from '../http.js';

/** Checks the token against the registry, then stores both in the config file (mode 0600). */
export async function login(flags: { registry?: string; token?: string }) {
  if (!flags.registry || !flags.token) throw new CliError('usage: unjucks login --registry URL --token TOKEN');
  const registry = flags.registry.replace(/\/+$/, '');
  const me = await getJson<{ username: string; role: string }>({ registry, token: flags.token }, `${registry}/api/v1/whoami`, 'checking the token');
  const path = await writeConfig({ ...(await readConfig()), registry, token: flags.token });
  return { registry, username: me.username, role: me.role, config: path };
}
