#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { InputError, parseDuration, TOKEN_ACTIONS } from '@unjucks/core';
import { cliKeysRotate, cliOrgRename, cliTokenCreate, cliTokenRevoke, cliUserAdd } from './admin-ops.js';
import { loadConfig, publicUrlFor, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { startRegistry } from './server.js';
import { gc } from './integrity/gc.js';
import { loadSealingKey, unseal } from './auth/seal.js';
import { exportRegistry, importRegistry } from './integrity/backup.js';
import { storeAllDocuments } from './registry/store-all-documents.js';
import { verify } from './integrity/verify.js';
import { createBlobStore } from './storage/index.js';

const USAGE = `usage: unjucks-registry <command>

commands:
  start                                   start the server (config from env vars; see the README)
  migrate                                 apply pending database migrations, then exit
  verify [--repair] [--json]              check every version's blob exists and matches its sha512;
                                          exits 1 on a problem; --repair re-links what it can
  gc [--grace 1h] [--dry-run] [--json]    delete blobs no version references, older than the grace period
  export <file>                           write the whole registry (rows and blobs) to one .tar.gz
  import <file> [--merge]                 load an export into a registry that has no packages yet; with
                                          --merge, add what this one lacks (same bytes skipped; a version
                                          here with other bytes aborts, nothing written)
  user add NAME [--admin] [--password-stdin]
                                          create a user; the password is read from stdin
  token create --user NAME --actions LIST mint a token and print it; the user is created when missing
         [--packages LIST] [--cidr LIST]  actions: ${TOKEN_ACTIONS.join(', ')}
         [--label TEXT] [--expires 30d]   (or a preset: admin, publisher, reader; --role PRESET works too)
         [--json]                         packages: names, @scope/* or prefix*; --expires takes s, m, h, d
  token revoke ID                         revoke a token at once, on every replica
  keys rotate                             add a new token signing key (old keys keep verifying)
  documents                               render and store the metadata documents of every public package
                                          that has none current, for every replica's cold reads (after an
                                          upgrade or an import; reads store them too, one at a time)
  org rename OLD NEW                      rename an org and move its packages @OLD/x to @NEW/x (the repair
                                          for orgs whose names are no longer valid, such as @~ or @-)
`;

/**
 * The old generation may grow to `percent` past the live heap before the next full GC. V8's own
 * factor reaches 4x while the old generation fills fast, as it does when metadata reads miss the
 * snapshot cache (every evicted snapshot dies there): at 100,000 packages (bench/scale.mjs) the
 * replica's RSS was 360 MB after the metadata reads for 60 MB of live heap, and 232 MB with 50 %.
 * V8 reads the flag at each full GC, so setting it once the process runs takes effect.
 */
function limitHeapGrowth(percent: number) {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

async function start(config: Config) {
  limitHeapGrowth(config.heapGrowingPercent);
  const running = await startRegistry(config);
  const stop = async (signal: string) => {
    console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: `received ${signal}; finishing in-flight requests, then exiting` }));
    try {
      await running.close();
    } catch (e) {
      console.error(`unjucks-registry: shutdown: ${(e as Error).message}`);
      process.exit(1);
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

async function migrate(config: Config) {
  const database = await openDatabase({ ...config, holder: 'unjucks-registry migrate' });
  try {
    await database.migrate();
    console.log(`migrations applied (${database.describe})`);
  } finally {
    await database.close();
  }
}

/** The first line of stdin, for passwords: never a command-line argument, which other users can see. */
async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!line) throw new InputError('--password-stdin: no password on stdin');
  return line;
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      role: { type: 'string' },
      actions: { type: 'string' },
      packages: { type: 'string' },
      cidr: { type: 'string' },
      admin: { type: 'boolean' },
      'password-stdin': { type: 'boolean' },
      label: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' },
      repair: { type: 'boolean' },
      merge: { type: 'boolean' },
      grace: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadConfig();
  if (command === 'start') return start(config);
  if (command === 'migrate') return migrate(config);
  if (command === 'export' || command === 'import') {
    const file = positionals[1];
    if (!file) throw new InputError(`usage: unjucks-registry ${command} <file>`);
    const database = await openDatabase({ ...config, holder: `unjucks-registry ${command}` });
    try {
      await database.migrate();
      const store = createBlobStore({ ...config, blobCacheBytes: 0 });
      if (command === 'export') {
        const r = await exportRegistry(database.db, store, file);
        console.log(`exported ${r.packages} packages, ${r.versions} versions and ${r.blobs} blobs to ${file}`);
      } else {
        const { key } = await loadSealingKey({
          secret: config.signingKeySecret,
          dataDir: config.dataDir,
          databaseUrl: config.databaseUrl,
          signingKey: config.signingKey,
        });
        const r = await importRegistry(database.db, store, file, values.merge ? 'merge' : 'empty', (sealed) => unseal(key, sealed) !== null);
        console.log(
          `imported ${r.packages} packages, ${r.versions} versions and ${r.blobs} blobs from ${file}${r.skipped ? ` (${r.skipped} versions were already here with the same bytes)` : ''}`,
        );
      }
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'documents') {
    const database = await openDatabase({ ...config, holder: 'unjucks-registry documents' });
    try {
      await database.migrate();
      // The URL the server writes into its documents: PUBLIC_URL, else its own address (config.ts).
      if (!config.publicUrl && config.port === 0)
        throw new InputError('set PUBLIC_URL (or PORT) as the server has it: its documents link to that address, and PORT=0 names none');
      const r = await storeAllDocuments(database.db, publicUrlFor(config, config.port), (n) => process.stderr.write(`checked ${n} packages\n`));
      const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
      console.log(`checked ${n(r.checked, 'public package')}; stored ${n(r.written, 'document')} for ${publicUrlFor(config, config.port)}`);
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'verify' || command === 'gc') {
    const database = await openDatabase({ ...config, holder: `unjucks-registry ${command}` });
    try {
      await database.migrate();
      const store = createBlobStore({ ...config, blobCacheBytes: 0 });
      if (command === 'verify') {
        const r = await verify(database.db, store, { repair: !!values.repair });
        if (values.json) console.log(JSON.stringify(r, null, 2));
        else {
          for (const p of r.problems) console.log(`${p.problem} ${p.name}@${p.version}: ${p.detail}${p.relinkedTo ? `; re-linked to ${p.relinkedTo}` : ''}`);
          console.log(`checked ${r.checked} versions: ${r.ok} ok, ${r.problems.length} with problems, ${r.relinked} re-linked`);
        }
        if (r.problems.length > r.relinked) process.exitCode = 1;
      } else {
        const r = await gc(database.db, store, { graceMs: parseDuration(values.grace ?? '1h') * 1000, dryRun: !!values['dry-run'] });
        if (values.json) console.log(JSON.stringify(r, null, 2));
        else {
          for (const key of r.deleted) console.log(`${values['dry-run'] ? 'would delete' : 'deleted'} ${key}`);
          console.log(
            `scanned ${r.scanned} blobs: ${r.referenced} referenced, ${r.deleted.length} ${values['dry-run'] ? 'to delete' : 'deleted'}, ${r.kept} unreferenced but within the grace period`,
          );
        }
      }
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'token' && sub === 'create') {
    if (!values.user) throw new InputError('token create needs --user NAME and --actions LIST');
    const minted = await cliTokenCreate(config, {
      user: values.user,
      actions: values.actions,
      role: values.role,
      packages: values.packages,
      cidr: values.cidr,
      label: values.label,
      expires: values.expires,
    });
    console.log(values.json ? JSON.stringify(minted, null, 2) : minted.token);
    return;
  }
  if (command === 'token' && sub === 'revoke') {
    if (!positionals[2]) throw new InputError('usage: unjucks-registry token revoke ID');
    const r = await cliTokenRevoke(config, positionals[2]);
    console.log(values.json ? JSON.stringify(r, null, 2) : `revoked token ${r.id}`);
    return;
  }
  if (command === 'user' && sub === 'add') {
    if (!positionals[2]) throw new InputError('usage: unjucks-registry user add NAME [--admin] [--password-stdin]');
    const password = values['password-stdin'] ? await readStdinLine() : undefined;
    const r = await cliUserAdd(config, { name: positionals[2], admin: !!values.admin, password });
    console.log(values.json ? JSON.stringify(r, null, 2) : `created user ${r.name}${r.admin ? ' (admin)' : ''}`);
    return;
  }
  if (command === 'keys' && sub === 'rotate') {
    const r = await cliKeysRotate(config);
    console.log(values.json ? JSON.stringify(r, null, 2) : `new signing key ${r.kid}; tokens signed by older keys keep working until they expire`);
    return;
  }
  if (command === 'org' && sub === 'rename') {
    if (!positionals[2] || !positionals[3]) throw new InputError('usage: unjucks-registry org rename OLD NEW');
    const r = await cliOrgRename(config, positionals[2], positionals[3]);
    console.log(values.json ? JSON.stringify(r, null, 2) : [`renamed org ${r.from} to ${r.to}`, ...r.packages.map((p) => `  ${p.from} -> ${p.to}`)].join('\n'));
    return;
  }
  throw new InputError(`unknown command "${positionals.join(' ')}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`unjucks-registry: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
