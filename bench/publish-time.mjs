#!/usr/bin/env node
// Publish time for the shared harness's 30-file template package (../shared/bench/make-fixtures.mjs),
// on one registry over a fresh Postgres database and a local blob folder:
//  1. idle: PUBLISH_VERSIONS (default 40) versions published one after another through
//     POST /api/v1/packages; reports the time to response (p50/p90) and, when the server sends it,
//     the median of each phase of its Server-Timing header. Target: p50 <= 25 ms.
//  2. reads under publishes: metadata GETs at c=8 for READ_SECONDS (default 8) alone, then the same
//     with one client publishing back to back; reports read p50/p99 both ways. Target: <= +20 %.
//   pnpm bench:publish      (SERVER_NODE_ARGS for node flags of the server; BENCH_DATABASE_URL defaults to the local Postgres; FIXTURES_DIR to a
//                            private copy made with the shared generator)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { tarball } from './lib/tarball.mjs';

const VERSIONS = Math.min(Number(process.env.PUBLISH_VERSIONS ?? 40), 200);
const READ_SECONDS = Math.min(Number(process.env.READ_SECONDS ?? 8), 30);
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVER_BIN = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const FIXTURES = process.env.FIXTURES_DIR ?? join(tmpdir(), 'unjucks-publish-bench-fixtures');
const GENERATOR = fileURLToPath(new URL('../../shared/bench/make-fixtures.mjs', import.meta.url));

if (!existsSync(join(FIXTURES, 'tpl', 'package.json'))) {
  const r = spawnSync(process.execPath, [GENERATOR, FIXTURES], { stdio: 'inherit', env: { ...process.env, N_OTHERS: '1' } });
  if (r.status !== 0) throw new Error(`could not make the fixtures with ${GENERATOR}`);
}
const tplDir = join(FIXTURES, 'tpl');
const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const files = walk(tplDir).map((p) => [relative(tplDir, p), readFileSync(p)]);
const baseManifest = JSON.parse(readFileSync(join(tplDir, 'package.json'), 'utf8'));
const NAME = baseManifest.name;
const versionTarball = (version) =>
  tarball(files.map(([p, bytes]) => [`package/${p}`, p === 'package.json' ? JSON.stringify({ ...baseManifest, version }, null, 2) : bytes]));

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function request(method, url, body, headers = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(url, { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0, timing: res.headers['server-timing'] ?? null }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0, timing: null }));
    req.end(body);
  });
}
// CPU seconds (user + system) of the whole server process, and of its main thread (the event loop):
// steadier than wall time on a shared machine, and the main thread's share is what reads wait for.
const cpu = (pid) => {
  const ticks = (path) =>
    readFileSync(path, 'utf8')
      .split(') ')[1]
      .split(' ')
      .slice(11, 13)
      .reduce((n, x) => n + Number(x), 0) / 100;
  return { process: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
};
const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((q / 100) * (s.length - 1)))];
};
const f1 = (x) => (x == null ? '-' : x.toFixed(1));

const dbName = `unjucks_publish_${Date.now()}`;
const admin = postgres(BASE_URL, { max: 1, onnotice: () => undefined });
await admin.unsafe(`create database ${dbName}`);
const dbUrl = new URL(BASE_URL);
dbUrl.pathname = `/${dbName}`;
const dataDir = await mkdtemp(join(tmpdir(), 'unjucks-publish-'));
let proc;
try {
  // SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the server.
  proc = spawn(process.execPath, [...(process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), SERVER_BIN, 'start'], {
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: dbUrl.toString(),
      SIGNING_KEY_SECRET: 'publish-bench-signing-key-secret-0123456789abcdef',
      RATE_LIMIT_IP_PER_MINUTE: '0',
      RATE_LIMIT_TOKEN_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start in 60 s:\n${out}`)), 60_000);
    const onData = (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      proc.stdout.resume();
      resolve(m[1]);
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${out}`)));
  });
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' };
  let next = 0;
  const publishOne = () => request('POST', `${url}/api/v1/packages`, versionTarball(`1.0.${next++}`), auth);

  // Warm-up: the first publishes pay for JIT, pool start-up and connection set-up.
  for (let i = 0; i < 3; i++) {
    const r = await publishOne();
    if (r.status !== 201) throw new Error(`warm-up publish answered ${r.status}`);
  }
  const cpu0 = cpu(proc.pid);
  const times = [];
  const phases = {};
  for (let i = 0; i < VERSIONS; i++) {
    const r = await publishOne();
    if (r.status !== 201) throw new Error(`publish answered ${r.status}`);
    times.push(r.ms);
    for (const part of (r.timing ?? '').split(',')) {
      const m = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
      if (m) (phases[m[1]] ??= []).push(Number(m[2]));
    }
  }
  const cpu1 = cpu(proc.pid);
  const perPublish = (k) => (((cpu1[k] - cpu0[k]) * 1000) / VERSIONS).toFixed(1);
  console.log(
    `server CPU per publish: ${perPublish('process')} ms in all threads, ${perPublish('main')} ms on the event loop (10 ms clock ticks, over ${VERSIONS} publishes)`,
  );
  console.log(
    `idle publish of ${NAME} (${files.length} files), ${VERSIONS} versions: p50 ${f1(pct(times, 50))} ms, p90 ${f1(pct(times, 90))} ms (time to response on loopback)`,
  );
  if (Object.keys(phases).length)
    console.table(Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, { 'p50 (ms)': f1(pct(v, 50)), 'p90 (ms)': f1(pct(v, 90)) }])));

  const reads = async (withPublishes) => {
    const lat = [];
    const deadline = performance.now() + READ_SECONDS * 1000;
    let published = 0;
    const readers = Array.from({ length: 8 }, async () => {
      while (performance.now() < deadline) {
        const r = await request('GET', `${url}/api/v1/packages/${encodeURIComponent(NAME)}`, undefined, { authorization: auth.authorization });
        if (r.status !== 200) throw new Error(`metadata GET answered ${r.status}`);
        lat.push(r.ms);
      }
    });
    const publisher = withPublishes
      ? (async () => {
          while (performance.now() < deadline) if ((await publishOne()).status === 201) published++;
        })()
      : Promise.resolve();
    await Promise.all([...readers, publisher]);
    return { lat, published };
  };
  const alone = await reads(false);
  const mixed = await reads(true);
  const row = (label, r) => ({ reads: label, requests: r.lat.length, 'p50 (ms)': f1(pct(r.lat, 50)), 'p99 (ms)': f1(pct(r.lat, 99)), publishes: r.published });
  console.table([row('alone', alone), row('with publishes', mixed)]);
  console.log(
    `reads slowed by publishes: p50 ${((pct(mixed.lat, 50) / pct(alone.lat, 50) - 1) * 100).toFixed(0)} %, p99 ${((pct(mixed.lat, 99) / pct(alone.lat, 99) - 1) * 100).toFixed(0)} %`,
  );
} finally {
  agent.destroy();
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((res) => proc.once('exit', res));
  }
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
}
