#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { formatInfo, infoCommand } from './commands/info.js';
import { login } from './commands/login.js';
import { unpublishCommand } from './commands/unpublish.js';
import { accessCommand, auditCommand, orgCommand, teamCommand, tokenCommand, userCommand, whoamiCommand, type Output } from './commands/accounts.js';
import { publishCommand } from './commands/publish.js';
import { formatSearch, searchCommand } from './commands/search.js';
import { validateCommand } from './commands/validate.js';
import { formatReport } from '@unjucks/validate';
import { resolveSettings } from './config.js';
import { CliError } from './errors.js';
import { installFromLock, installPackage, type InstallResult } from './install.js';
import { parsePackageArg } from './spec.js';

const USAGE = `usage: unjucks <command> [options]

commands:
  login --registry URL --token T          check the token and save both to ~/.config/unjucks/config.json
  login --registry URL --username NAME    sign in with a password (from stdin or the terminal); the registry
        [--actions LIST] [--expires 30d]  mints a token with those actions (default: all you may hold)
  whoami                                  the user, token actions and orgs behind your token
  validate [dir]                          run the registry's publish checks on a package directory
  publish [dir] [--tag T] [--dry-run]     validate, pack and publish a template package
  install <name>[@spec] [--dir D] [--force] [--allow-scripts]
                                          install a package's _templates/ into D (default .);
                                          packages that can run code (shell, hooks) need --allow-scripts
  install [--dir D]                       reinstall exactly what D/unjucks-lock.json records
  unpublish <name>@<version>              remove a version (owners: within UNPUBLISH_WINDOW of publishing;
  unpublish <name> --force                admins: any time); its number can never be used again
  info <name>[@spec]                      versions, dist-tags and generators with their variables
  search <query> [--size N]               find packages; qualifiers: keyword: scope: author: generator:
                                          capability: -capability: is:deprecated

accounts and access:
  user add NAME [--admin] [--password] | user rm NAME | user ls | user passwd [NAME] [--current]
                                          (admins; passwords are read from stdin or the terminal)
  org create NAME | org ls                an org owns the scope @NAME
  org member add|rm|ls ORG [USER] [--role owner|maintainer|reader]
                                          add invites (admins add directly); members join by accepting
  org invitations [ORG]                   your open invitations, or (owners) those an org sent
  org accept|decline ORG | org uninvite ORG USER
  team create|rm ORG:TEAM | team ls ORG | team member add|rm ORG:TEAM USER
  access grant|revoke|ls <package or @scope> [user or org:team] [owner|maintainer|reader]
  access public|private <package or @scope>
  token create --name L --actions LIST [--packages LIST] [--expires 30d] [--cidr LIST]
  token list [--user U | --org O] | token revoke ID
  audit [--actor U] [--action A] [--target T] [--org O] [--outcome ok|denied|failed] [--since D] [--limit N]

every command takes --registry URL and --json; UNJUCKS_REGISTRY and UNJUCKS_TOKEN override the config file
`;

function printInstall(r: InstallResult) {
  console.log(`installed ${r.name}@${r.version} (${r.integrity})`);
  if (r.capabilities.length) console.log(`  capabilities: ${r.capabilities.join(', ')}`);
  console.log(`  ${r.written.length} written, ${r.unchanged.length} unchanged, ${r.removed.length} removed`);
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      registry: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      tag: { type: 'string' },
      'dry-run': { type: 'boolean' },
      dir: { type: 'string' },
      force: { type: 'boolean' },
      'allow-scripts': { type: 'boolean' },
      size: { type: 'string' },
      username: { type: 'string' },
      actions: { type: 'string' },
      packages: { type: 'string' },
      expires: { type: 'string' },
      cidr: { type: 'string' },
      name: { type: 'string' },
      user: { type: 'string' },
      org: { type: 'string' },
      role: { type: 'string' },
      admin: { type: 'boolean' },
      password: { type: 'boolean' },
      current: { type: 'boolean' },
      actor: { type: 'string' },
      action: { type: 'string' },
      target: { type: 'string' },
      outcome: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  const out = (json: unknown, text: () => void) => (values.json ? console.log(JSON.stringify(json, null, 2)) : text());
  if (values.help || !command) return void process.stdout.write(USAGE);

  if (command === 'login') {
    const r = await login(values);
    return out(r, () => console.log(`logged in to ${r.registry} as ${r.username}${r.admin ? ' (registry admin)' : ''} with ${r.actions.join(', ')}; saved to ${r.config}`));
  }
  if (command === 'validate') {
    const r = await validateCommand(args[0] ?? '.');
    out(r, () => console.log(`${r.name}@${r.version}\n${formatReport(r)}`));
    if (!r.ok) process.exitCode = 1;
    return;
  }
  const settings = await resolveSettings(values);
  const allowScripts = !!values['allow-scripts'];
  const print = (o: Output) => out(o.json, () => console.log(o.text));
  switch (command) {
    case 'whoami':
      return print(await whoamiCommand(settings));
    case 'user':
      return print(await userCommand(settings, args, values));
    case 'org':
      return print(await orgCommand(settings, args, values));
    case 'team':
      return print(await teamCommand(settings, args));
    case 'access':
      return print(await accessCommand(settings, args));
    case 'token':
      return print(await tokenCommand(settings, args, values));
    case 'audit':
      return print(await auditCommand(settings, values));
    case 'unpublish':
      return print(await unpublishCommand(settings, args[0], !!values.force));
    case 'publish': {
      const r = await publishCommand(settings, { dir: args[0] ?? '.', tag: values.tag, dryRun: !!values['dry-run'] });
      return out(r, () => {
        if (r.dryRun) {
          console.log(`${r.name}@${r.version} would be published (dry run): ${r.files.length} files, ${r.size} bytes, ${r.warnings} warning(s), quality ${r.quality}/100`);
          for (const f of r.files) console.log(`  ${f}`);
          console.log(`integrity: ${r.integrity}`);
        } else {
          console.log(`${r.alreadyPublished ? 'already published' : 'published'} ${r.name}@${r.version}`);
          console.log(`integrity: ${r.integrity}`);
          if (r.warnings) console.log(`${r.warnings} warning(s); run unjucks validate to see them`);
        }
      });
    }
    case 'install': {
      const dir = values.dir ?? '.';
      if (args.length === 0) {
        const results = await installFromLock(settings, { dir, force: !!values.force, allowScripts });
        return out(results, () => results.forEach(printInstall));
      }
      const results: InstallResult[] = [];
      for (const arg of args) results.push(await installPackage(settings, { ...parsePackageArg(arg), dir, force: !!values.force, allowScripts }));
      return out(results.length === 1 ? results[0] : results, () => results.forEach(printInstall));
    }
    case 'search': {
      if (args.length === 0) throw new CliError('usage: unjucks search <query> [--size N]');
      const r = await searchCommand(settings, { query: args.join(' '), size: values.size ? Number(values.size) : 20 });
      const columns = process.stdout.columns || Number(process.env.COLUMNS) || 100;
      return out(r, () => console.log(formatSearch(r, columns)));
    }
    case 'info': {
      if (!args[0]) throw new CliError('usage: unjucks info <name>[@spec]');
      const r = await infoCommand(settings, parsePackageArg(args[0]));
      return out(r, () => console.log(formatInfo(r)));
    }
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof CliError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? (e as Error).message : `unexpected error: ${(e as Error)?.stack ?? e}`;
  if (process.argv.includes('--json')) console.log(JSON.stringify({ error: message }));
  console.error(`unjucks: ${message}`);
  process.exit((e as CliError).exitCode ?? 1);
});
