#!/usr/bin/env node
// The read after another replica's publish: how long a replica's snapshot cache takes to load a
// package again after a change notice (registry/snapshot.ts), against a load from nothing. One
// registry in this process on a fresh Postgres database, VERSIONS versions of the shared harness's
// 30-file package published through HTTP, then ROUNDS times: a notice (delivered by hand to a cache
// on a feed made live), the reload, and a load by a cache that never saw the package. Medians.
//   node bench/snapshot-reload.mjs      (VERSIONS=100, ROUNDS=60; BENCH_DATABASE_URL defaults to the local Postgres)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { ChangeFeed } from '../packages/server/dist/cache/feed.js';
import { loadConfig } from '../packages/server/dist/config.js';
import { SnapshotCache } from '../packages/server/dist/registry/snapshot.js';
import { startRegistry } from '../packages/server/dist/server.js';
import { fixturePackage } from './lib/fixture-package.mjs';

const VERSIONS = Math.min(Number(process.env.VERSIONS ?? 100), 500);
const ROUNDS = Math.min(Number(process.env.ROUNDS ?? 60), 500);
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const { name, versionTarball } = fixturePackage();

const admin = postgres(BASE_URL, { max: 1, onnotice: () => undefined });
const dbName = `unjucks_reload_${Date.now()}`;
await admin.unsafe(`create database ${dbName}`);
const dataDir = await mkdtemp(join(tmpdir(), 'unjucks-reload-'));
const dbUrl = new URL(BASE_URL);
dbUrl.pathname = `/${dbName}`;
let running = null;
try {
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: dbUrl.toString(),
    SIGNING_KEY_SECRET: 'snapshot-reload-bench-signing-key-secret-0123456789',
    RATE_LIMIT_IP_PER_MINUTE: '0',
    RATE_LIMIT_TOKEN_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
  });
  running = await startRegistry(config);
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  for (let i = 0; i < VERSIONS; i++) {
    const res = await fetch(`${running.url}/api/v1/packages`, {
      method: 'POST',
      body: versionTarball(`1.0.${i}`),
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 201) throw new Error(`publish 1.0.${i}: ${res.status} ${await res.text()}`);
  }
  // A feed that is live without a listening connection: this script delivers the notices.
  const feed = new ChangeFeed();
  Object.defineProperty(feed, 'live', { get: () => true });
  const cache = new SnapshotCache(100, () => undefined, feed);
  const db = running.registry.db;
  const { pkg } = await cache.get(db, name);
  const reload = [];
  const scratch = [];
  for (let k = 0; k < ROUNDS; k++) {
    feed.onNotify(JSON.stringify({ package: pkg.id }));
    let t0 = performance.now();
    await cache.get(db, name);
    reload.push(performance.now() - t0);
    t0 = performance.now();
    await new SnapshotCache().get(db, name);
    scratch.push(performance.now() - t0);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(2);
  console.log(`${name}, ${VERSIONS} versions: reload after a notice ${median(reload)} ms, load from nothing ${median(scratch)} ms (medians of ${ROUNDS})`);
} finally {
  await running?.close();
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
}
