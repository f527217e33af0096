#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { InputError, TOKEN_ROLES } from '@unjucks/core';
import { KeyRing } from './auth/keys.js';
import { assertRole, mintToken, type MintedToken } from './auth/tokens.js';
import { adminTokenPath } from './bootstrap.js';
import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { readLock } from './db/embedded-lock.js';
import { startRegistry } from './server.js';
import { gc } from './integrity/gc.js';
import { exportRegistry, importRegistry } from './integrity/backup.js';
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
  import <file>                           load an export into a registry that has no packages yet
  token create --user NAME --role ROLE    mint a token (ROLE: ${TOKEN_ROLES.join(', ')}) and print it
         [--label TEXT] [--expires 30d]   the user is created when missing; --expires takes s, m, h, d
         [--json]                         print { token, jti, user, role, expiresAt } instead
`;

function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) throw new InputError(`--expires takes a number with a unit (s, m, h or d), such as 30d; got ${JSON.stringify(text)}`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

async function start(config: Config) {
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

async function tokenCreate(config: Config, opts: { user: string; role: string; label?: string; lifetimeSeconds?: number }): Promise<MintedToken> {
  const role = assertRole(opts.role);
  // The embedded database admits one process: while a server holds it, ask that server instead.
  const holder = config.databaseUrl ? null : readLock(config.dataDir);
  if (holder?.url) {
    let admin: string;
    try {
      admin = (await readFile(adminTokenPath(config.dataDir), 'utf8')).trim();
    } catch {
      throw new InputError(`the registry at ${holder.url} holds the embedded database and ${adminTokenPath(config.dataDir)} is gone; stop the server and run this again`);
    }
    const res = await fetch(`${holder.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...opts, role }),
    });
    const body = (await res.json()) as MintedToken & { error?: string };
    if (!res.ok) throw new InputError(`the running registry at ${holder.url} refused: ${body.error ?? res.status}`);
    return body;
  }
  const database = await openDatabase({ ...config, holder: 'unjucks-registry token create' });
  try {
    await database.migrate();
    return await mintToken(database.db, new KeyRing(database.db), { ...opts, role });
  } finally {
    await database.close();
  }
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      role: { type: 'string' },
      label: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' },
      repair: { type: 'boolean' },
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
      const r = command === 'export' ? await exportRegistry(database.db, store, file) : await importRegistry(database.db, store, file);
      console.log(`${command === 'export' ? 'exported' : 'imported'} ${r.packages} packages, ${r.versions} versions and ${r.blobs} blobs ${command === 'export' ? 'to' : 'from'} ${file}`);
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
          console.log(`scanned ${r.scanned} blobs: ${r.referenced} referenced, ${r.deleted.length} ${values['dry-run'] ? 'to delete' : 'deleted'}, ${r.kept} unreferenced but within the grace period`);
        }
      }
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'token' && sub === 'create') {
    if (!values.user || !values.role) throw new InputError('token create needs --user NAME and --role ROLE');
    const minted = await tokenCreate(config, {
      user: values.user,
      role: values.role,
      label: values.label,
      lifetimeSeconds: values.expires ? parseDuration(values.expires) : undefined,
    });
    console.log(values.json ? JSON.stringify(minted, null, 2) : minted.token);
    return;
  }
  throw new InputError(`unknown command "${positionals.join(' ')}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`unjucks-registry: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
