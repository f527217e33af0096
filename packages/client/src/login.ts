import { readConfig, withLogin, writeConfig } from './config.js';
import { CliError } from './errors.js';
import { registryApi, type WhoamiResponse } from './api.js';
import { readLine, readSecret } from './prompt.js';

/** GET /api/v1/whoami, as the server's schema describes it. */
export type WhoAmI = WhoamiResponse;

export interface LoginFlags {
  registry?: string;
  token?: string;
  username?: string;
  actions?: string;
  packages?: string;
  expires?: string;
}

/**
 * Logs in with a pasted token, or with a username and password (read from stdin or the terminal),
 * for which the registry mints a token with the chosen actions. Checks it, then saves it (mode 0600).
 */
export async function login(flags: LoginFlags) {
  if (!flags.registry) throw new CliError('usage: unjucks login --registry URL [--token TOKEN | --username NAME]');
  const registry = flags.registry.replace(/\/+$/, '');
  let token = flags.token;
  let username = flags.username;
  if (!token && !username && process.stdin.isTTY) {
    const answer = (await readLine('username (leave empty to paste a token): ')).trim();
    if (answer) username = answer;
    else token = (await readSecret('token: ')).trim();
  }
  if (!token) {
    if (!username) throw new CliError('usage: unjucks login --registry URL --token TOKEN, or --username NAME with the password on stdin');
    const password = await readSecret(`password for ${username}: `);
    const body = await registryApi({ registry, token: undefined }).login({
      username,
      password,
      name: `unjucks login (${process.env.USER ?? 'cli'})`,
      ...(flags.actions ? { actions: flags.actions.split(',') } : {}),
      ...(flags.packages ? { packages: flags.packages.split(',') } : {}),
      ...(flags.expires ? { expires: flags.expires } : {}),
    });
    token = body.token;
  }
  const me = await registryApi({ registry, token }).whoami();
  const path = await writeConfig(withLogin(await readConfig(), registry, token));
  return { registry, username: me.username, admin: me.admin, actions: me.token.actions, config: path };
}
