#!/usr/bin/env node
// The `unjucks` command. To add one:
//   1. write commands/<name>.ts: `export default defineCommand({ meta: { name, description }, args: { ...commonArgs, ... }, run })`
//      with a description on every arg (commands/info.ts is a small example); load heavy modules inside run();
//   2. list it in subCommands below (lazy, like the others).
// Its `unjucks <name> --help`, the strict check of its options, --json errors and exit codes come from
// run-cli.ts; test/client-cli.e2e.test.ts fails when a file in commands/ is not listed here.
import { defineCommand } from 'citty';
import { commonArgs } from './command-kit.js';
import { runCli } from './run-cli.js';

const main = defineCommand({
  meta: { name: 'unjucks', description: 'install, update and publish template packages from an Unjucks registry' },
  args: { ...commonArgs, version: { type: 'boolean', description: "print the client's version" } },
  subCommands: {
    login: () => import('./commands/login.js').then((m) => m.default),
    whoami: () => import('./commands/whoami.js').then((m) => m.default),
    validate: () => import('./commands/validate.js').then((m) => m.default),
    publish: () => import('./commands/publish.js').then((m) => m.default),
    install: () => import('./commands/install.js').then((m) => m.default),
    update: () => import('./commands/update.js').then((m) => m.default),
    uninstall: () => import('./commands/uninstall.js').then((m) => m.default),
    outdated: () => import('./commands/outdated.js').then((m) => m.default),
    list: () => import('./commands/list.js').then((m) => m.default),
    unpublish: () => import('./commands/unpublish.js').then((m) => m.default),
    info: () => import('./commands/info.js').then((m) => m.default),
    search: () => import('./commands/search.js').then((m) => m.default),
    user: () => import('./commands/user.js').then((m) => m.default),
    org: () => import('./commands/org.js').then((m) => m.default),
    team: () => import('./commands/team.js').then((m) => m.default),
    access: () => import('./commands/access.js').then((m) => m.default),
    token: () => import('./commands/token.js').then((m) => m.default),
    audit: () => import('./commands/audit.js').then((m) => m.default),
    trust: () => import('./commands/trust.js').then((m) => m.default),
    hook: () => import('./commands/hook.js').then((m) => m.default),
    reviews: () => import('./commands/reviews.js').then((m) => m.default),
    approve: () => import('./commands/approve.js').then((m) => m.default),
    reject: () => import('./commands/reject.js').then((m) => m.default),
    diff: () => import('./commands/diff.js').then((m) => m.default),
  },
});

const EPILOGUE = `Every command takes --registry URL and --json; UNJUCKS_REGISTRY and UNJUCKS_TOKEN (or REGISTRY_TOKEN) override the config file.
Tarballs and package documents are cached in $XDG_CACHE_HOME/unjucks (else ~/.cache/unjucks).

Any other command (generate, new, ...) is handed to the Unjucks generator's own \`unjucks\` command when
the project has it installed (node_modules/.bin/unjucks), so a project keeps one \`unjucks\` command.
`;

await runCli(main, process.argv.slice(2), EPILOGUE);
