#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { formatInfo, infoCommand } from './commands/info.js';
import { login } from './commands/login.js';
import { publishCommand } from './commands/publish.js';
import { resolveSettings } from './config.js';
import { CliError } from './errors.js';
import { installFromLock, installPackage, type InstallResult } from './install.js';
import { parsePackageArg } from './spec.js';

const USAGE = `usage: unjucks <command> [options]

commands:
  login --registry URL --token T          check the token and save both to ~/.config/unjucks/config.json
  publish [dir] [--tag T] [--dry-run]     pack a template package and publish it
  install <name>[@spec] [--dir D] [--force]
                                          install a package's _templates/ into D (default .)
  install [--dir D]                       reinstall exactly what D/unjucks-lock.json records
  info <name>[@spec]                      versions, dist-tags and generators with their variables

every command takes --registry URL and --json; UNJUCKS_REGISTRY and UNJUCKS_TOKEN override the config file
`;

function printInstall(r: InstallResult) {
  console.log(`installed ${r.name}@${r.version} (${r.integrity})`);
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  const out = (json: unknown, text: () => void) => (values.json ? console.log(JSON.stringify(json, null, 2)) : text());
  if (values.help || !command) return void process.stdout.write(USAGE);

  if (command === 'login') {
    const r = await login(values);
    return out(r, () => console.log(`logged in to ${r.registry} as ${r.username} (${r.role}); saved to ${r.config}`));
  }
  const settings = await resolveSettings(values);
  switch (command) {
    case 'publish': {
      const r = await publishCommand(settings, { dir: args[0] ?? '.', tag: values.tag, dryRun: !!values['dry-run'] });
      return out(r, () => {
        if (r.dryRun) {
          console.log(`${r.name}@${r.version} would be published (dry run): ${r.files.length} files, ${r.size} bytes`);
          for (const f of r.files) console.log(`  ${f}`);
          console.log(`integrity: ${r.integrity}`);
        } else {
          console.log(`${r.alreadyPublished ? 'already published' : 'published'} ${r.name}@${r.version}`);
          console.log(`integrity: ${r.integrity}`);
        }
      });
    }
    case 'install': {
      const dir = values.dir ?? '.';
      if (args.length === 0) {
        const results = await installFromLock(settings, { dir, force: !!values.force });
        return out(results, () => results.forEach(printInstall));
      }
      const results: InstallResult[] = [];
      for (const arg of args) results.push(await installPackage(settings, { ...parsePackageArg(arg), dir, force: !!values.force }));
      return out(results.length === 1 ? results[0] : results, () => results.forEach(printInstall));
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
