#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { Output } from './commands/accounts.js';
import { resolveSettings } from './config.js';
import { CliError, RegistryError } from './errors.js';
import type { InstallResult, InstallSummary, RemovedPackage } from './install.js';
import { forwardToGenerator, OWNED_COMMANDS } from './forward.js';
import type { PackageSource } from './source.js';

// Start-up stays light: each command's module (and the validator behind some) loads only when that command runs.
const USAGE = `usage: unjucks <command> [options]

commands:
  login --registry URL --token T          check the token and save both to ~/.config/unjucks/config.json
  login --registry URL --username NAME    sign in with a password (from stdin or the terminal); the registry
        [--actions LIST] [--expires 30d]  mints a token with those actions (default: all you may hold)
  whoami                                  the user, token actions and orgs behind your token
  validate [dir]                          run the registry's publish checks on a package directory
  publish [dir] [--tag T] [--dry-run]     validate, pack and publish a template package
  install <name>[@spec]... [--dir D] [--force] [--allow-scripts]
                                          install packages and the template packages they depend on
                                          into D (default .); packages that can run code (shell,
                                          hooks, template-code, autorun) need --allow-scripts
  install [--dir D] [--frozen-lockfile]   install what D/unjucks-lock.json (or package.json's
                                          unjucks.dependencies) asks for; --frozen-lockfile: exactly the
                                          lock, or fail when it does not match
  update [name[@spec]...] [--dry-run]     newer versions within the recorded ranges (or a new range),
                                          merging your local edits three ways; conflicts get markers
  uninstall <name>...                     remove a package and the dependencies nothing else needs;
                                          files you changed stay
  outdated                                installed, wanted (newest in range) and latest; exits 1 if any
  list                                    installed packages with their generators and templates
  unpublish <name>@<version>              remove a version (owners: within UNPUBLISH_WINDOW of publishing;
  unpublish <name> --force                admins: any time); its number can never be used again
  info <name>[@spec]                      versions, dist-tags, dependencies, generators and variables
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

every command takes --registry URL and --json; UNJUCKS_REGISTRY and UNJUCKS_TOKEN override the config file.
Tarballs and package documents are cached in $XDG_CACHE_HOME/unjucks (else ~/.cache/unjucks);
--offline uses only the cache, --prefer-offline uses cached documents without asking the registry.

Any other command (generate, new, ...) is handed to the Unjucks generator's own \`unjucks\` command when
the project has it installed (node_modules/.bin/unjucks), so a project keeps one \`unjucks\` command.
`;

function printInstall(r: InstallResult) {
  console.log(`installed ${r.name}@${r.version} (${r.integrity})`);
  if (r.capabilities.length) console.log(`  capabilities: ${r.capabilities.join(', ')}`);
  console.log(`  ${r.written.length} written, ${r.unchanged.length} unchanged, ${r.removed.length} removed`);
}

function printRemoved(r: RemovedPackage) {
  console.log(`removed ${r.name}@${r.version}: ${r.removed.length} file(s) removed`);
  if (r.kept.length) console.log(`  kept, changed locally:\n${r.kept.map((f) => `    ${f}`).join('\n')}`);
}

const OPTIONS = {
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
  offline: { type: 'boolean' },
  'prefer-offline': { type: 'boolean' },
  'frozen-lockfile': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]) {
  // Commands this client does not own go to the project's Unjucks generator, untouched: its options are its own.
  const loose = parseArgs({ args: argv, allowPositionals: true, strict: false, options: OPTIONS });
  const first = loose.positionals[0];
  if (first && !OWNED_COMMANDS.has(first) && !loose.values.help) {
    const code = await forwardToGenerator(argv, process.cwd());
    if (code !== null) return void (process.exitCode = code);
    throw new CliError(`unknown command "${first}"; commands such as generate and new belong to the Unjucks generator: install it in this project and \`unjucks ${first}\` is handed to it\n${USAGE}`);
  }
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [command, ...args] = positionals;
  const out = (json: unknown, text: () => void) => (values.json ? console.log(JSON.stringify(json, null, 2)) : text());
  if (values.help || !command || command === 'help') return void process.stdout.write(USAGE);

  if (command === 'login') {
    const { login } = await import('./commands/login.js');
    const r = await login(values);
    return out(r, () => console.log(`logged in to ${r.registry} as ${r.username}${r.admin ? ' (registry admin)' : ''} with ${r.actions.join(', ')}; saved to ${r.config}`));
  }
  if (command === 'validate') {
    const [{ validateCommand }, { formatReport }] = await Promise.all([import('./commands/validate.js'), import('@unjucks/validate')]);
    const r = await validateCommand(args[0] ?? '.');
    out(r, () => console.log(`${r.name}@${r.version}\n${formatReport(r)}`));
    if (!r.ok) process.exitCode = 1;
    return;
  }
  const settings = await resolveSettings(values);
  const allowScripts = !!values['allow-scripts'];
  const dir = values.dir ?? '.';
  // Loaded here, not at the top: they pull in @unjucks/core (semver, tar), which --help and forwarding never need.
  const { networkMode, PackageSource } = await import('./source.js');
  const { parsePackageArg } = await import('./spec.js');
  const source = () => new PackageSource(settings, networkMode(values));
  const notes = (s: PackageSource) => s.notes.forEach((n) => console.error(`unjucks: note: ${n}`));
  const print = (o: Output) => out(o.json, () => console.log(o.text));
  const accounts = () => import('./commands/accounts.js');
  switch (command) {
    case 'whoami':
      return print(await (await accounts()).whoamiCommand(settings));
    case 'user':
      return print(await (await accounts()).userCommand(settings, args, values));
    case 'org':
      return print(await (await accounts()).orgCommand(settings, args, values));
    case 'team':
      return print(await (await accounts()).teamCommand(settings, args));
    case 'access':
      return print(await (await accounts()).accessCommand(settings, args));
    case 'token':
      return print(await (await accounts()).tokenCommand(settings, args, values));
    case 'audit':
      return print(await (await accounts()).auditCommand(settings, values));
    case 'unpublish': {
      const { unpublishCommand } = await import('./commands/unpublish.js');
      return print(await unpublishCommand(settings, args[0], !!values.force));
    }
    case 'publish': {
      const { publishCommand } = await import('./commands/publish.js');
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
      const { install } = await import('./install.js');
      const src = source();
      const r: InstallSummary = await install(src, args.map(parsePackageArg), { dir, force: !!values.force, allowScripts, frozen: !!values['frozen-lockfile'] }).finally(() => notes(src));
      return out(r.dropped.length ? r : r.installed.length === 1 ? r.installed[0] : r.installed, () => {
        r.installed.forEach(printInstall);
        r.dropped.forEach(printRemoved);
      });
    }
    case 'update': {
      const { update } = await import('./update.js');
      const src = source();
      const r = await update(src, args.map(parsePackageArg), { dir, allowScripts, dryRun: !!values['dry-run'] }).finally(() => notes(src));
      out(r, () => {
        if (!r.packages.length) console.log('everything is up to date within the recorded ranges');
        for (const p of r.packages) {
          console.log(`${r.dryRun ? 'would update' : 'updated'} ${p.name}: ${p.from ?? '(new)'} → ${p.to ?? '(removed)'}`);
          for (const f of p.files) console.log(`  ${f.action.padEnd(8)} ${f.rel}${f.action === 'keep' ? ' (changed locally; kept)' : ''}`);
        }
      });
      if (r.conflicts.length) {
        console.error(`unjucks: ${r.conflicts.length} file(s) have conflicts:\n${r.conflicts.map((c) => `  ${c}`).join('\n')}\nresolve the <<<<<<< markers, then run unjucks update again; unjucks-lock.json was not changed`);
        process.exitCode = 1;
      }
      return;
    }
    case 'uninstall': {
      if (!args.length) throw new CliError('usage: unjucks uninstall <name>...');
      const { uninstall } = await import('./uninstall.js');
      const r = await uninstall(args.map((a) => parsePackageArg(a).name), { dir, dryRun: !!values['dry-run'] });
      return out(r, () => r.forEach(printRemoved));
    }
    case 'outdated': {
      const { outdated, formatOutdated } = await import('./outdated.js');
      const src = source();
      const rows = await outdated(src, { dir }).finally(() => notes(src));
      out(values.json ? Object.fromEntries(rows.map(({ name, ...rest }) => [name, rest])) : rows, () => console.log(formatOutdated(rows)));
      if (rows.length) process.exitCode = 1;
      return;
    }
    case 'list':
    case 'ls': {
      const { list, formatList } = await import('./list.js');
      // Versions never change, so a cached document answers as well as a fresh one.
      const src = new PackageSource(settings, values.offline ? 'offline' : 'prefer-offline');
      const r = await list(src, { dir });
      return out(r, () => console.log(formatList(r)));
    }
    case 'search': {
      const { formatSearch, searchCommand } = await import('./commands/search.js');
      if (args.length === 0) throw new CliError('usage: unjucks search <query> [--size N]');
      const r = await searchCommand(settings, { query: args.join(' '), size: values.size ? Number(values.size) : 20 });
      const columns = process.stdout.columns || Number(process.env.COLUMNS) || 100;
      return out(r, () => console.log(formatSearch(r, columns)));
    }
    case 'info': {
      const { formatInfo, infoCommand } = await import('./commands/info.js');
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
  if (process.argv.includes('--json')) console.log(JSON.stringify({ error: message, ...(e instanceof RegistryError && e.code ? { code: e.code } : {}) }));
  console.error(`unjucks: ${message}`);
  process.exit((e as CliError).exitCode ?? 1);
});
