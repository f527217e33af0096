#!/usr/bin/env node
// Publish time for the shared harness's 30-file template package (../shared/bench/make-fixtures.mjs),
// on one registry over a fresh Postgres database and a local blob folder:
//  1. idle: PUBLISH_VERSIONS (default 40) versions published one after another through
//     POST /api/v1/packages; reports the time to response (p50/p90) and, when the server sends it,
//     the median of each phase of its Server-Timing header. Target: p50 <= 25 ms.
//  2. reads under publishes, alone and then with publishes, each for READ_SECONDS (default 8); reports
//     read p50/p99 both ways. Target: <= +20 %. Two definitions, both reported:
//     - "back to back" (the first one): metadata GETs at c=8 of the package being published, while
//       one client publishes it back to back. On a 2-core machine the publisher alone keeps a core
//       busy, so this measures a saturated machine more than what a reader sees.
//     - "steady" (what a user sees on a busy registry): 8 readers cycle over the package being
//       published and OTHERS (default 3) other packages, each read asking for gzip and brotli as npm
//       and the client do; one client publishes PUBLISH_RATE (default 2) versions a second, on a
//       schedule (a publish slower than its slot delays the next, none are skipped). The published
//       package's own reads are also reported apart.
//   pnpm bench:publish      (SERVER_NODE_ARGS for node flags of the server; BENCH_DATABASE_URL defaults to the local Postgres; FIXTURES_DIR to a
//                            private copy made with the shared generator)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { fixturePackage } from './lib/fixture-package.mjs';

const VERSIONS = Math.min(Number(process.env.PUBLISH_VERSIONS ?? 40), 200);
const OTHERS = Math.min(Number(process.env.OTHERS ?? 3), 20);
const PUBLISH_RATE = Math.min(Number(process.env.PUBLISH_RATE ?? 2), 50);
const READ_SECONDS = Math.min(Number(process.env.READ_SECONDS ?? 8), 30);
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// SERVER_BIN: another build's cli.js, for A/B runs (e.g. a copy of dist/ made before a change).
const SERVER_BIN = process.env.SERVER_BIN ?? fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const { files, name: NAME, versionTarball } = fixturePackage();
const OTHER_NAMES = Array.from({ length: OTHERS }, (_, i) => `${NAME}-other-${i + 1}`);

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
  // Tarballs made ahead (premake): while readers are measured, gzip in this process would hold up
  // their responses and count against the reads' latency.
  const made = [];
  const premake = (count) => {
    while (made.length < count) made.push(versionTarball(`1.0.${made.length}`));
  };
  const publishOne = () => {
    premake(next + 1);
    return request('POST', `${url}/api/v1/packages`, made[next++], auth);
  };

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

  // READ_SECONDS=0: the idle publishes only (e.g. to profile them with SERVER_NODE_ARGS).
  if (READ_SECONDS > 0) {
    const metadata = (name, headers) => request('GET', `${url}/api/v1/packages/${encodeURIComponent(name)}`, undefined, headers);
    // The other packages get as many versions as the published one has now, so their documents are as large.
    for (const other of OTHER_NAMES)
      for (let i = 0; i < next; i++) {
        const r = await request('POST', `${url}/api/v1/packages`, versionTarball(`1.0.${i}`, other), auth);
        if (r.status !== 201) throw new Error(`publish of ${other} answered ${r.status}`);
      }

    // Readers at c=8 over `names` (cycled), alone or with a publisher (`pace`: ms between publish starts, 0 = back to back).
    const reads = async ({ names, headers, pace }) => {
      // Enough for the phase: back to back runs up to ~40 a second on 2 cores.
      if (pace !== undefined) premake(next + Math.ceil(READ_SECONDS * (pace ? 1000 / pace : 60)) + 1);
      const lat = [];
      const own = [];
      const deadline = performance.now() + READ_SECONDS * 1000;
      let published = 0;
      let turn = 0;
      const readers = Array.from({ length: 8 }, async () => {
        while (performance.now() < deadline) {
          const name = names[turn++ % names.length];
          const r = await metadata(name, headers);
          if (r.status !== 200) throw new Error(`metadata GET answered ${r.status}`);
          lat.push(r.ms);
          if (name === NAME) own.push(r.ms);
        }
      });
      const publisher =
        pace === undefined
          ? Promise.resolve()
          : (async () => {
              for (let slot = performance.now(); performance.now() < deadline; slot += pace) {
                const wait = slot - performance.now();
                if (wait > 0) await new Promise((res) => setTimeout(res, wait));
                if (performance.now() >= deadline) break;
                if ((await publishOne()).status === 201) published++;
              }
            })();
      await Promise.all([...readers, publisher]);
      return { lat, own, published };
    };
    const row = (label, lat, r) => ({ reads: label, requests: lat.length, 'p50 (ms)': f1(pct(lat, 50)), 'p99 (ms)': f1(pct(lat, 99)), publishes: r.published });
    const slowdown = (alone, mixed) =>
      `p50 ${((pct(mixed, 50) / pct(alone, 50) - 1) * 100).toFixed(0)} %, p99 ${((pct(mixed, 99) / pct(alone, 99) - 1) * 100).toFixed(0)} %`;

    const oldDef = { names: [NAME], headers: { authorization: auth.authorization } };
    const oldAlone = await reads(oldDef);
    const oldMixed = await reads({ ...oldDef, pace: 0 });
    console.log('back to back: 8 readers of the published package, one client publishing it back to back');
    console.table([row('alone', oldAlone.lat, oldAlone), row('with publishes', oldMixed.lat, oldMixed)]);
    console.log(`reads slowed by publishes (back to back): ${slowdown(oldAlone.lat, oldMixed.lat)}`);

    const steady = { names: [NAME, ...OTHER_NAMES], headers: { authorization: auth.authorization, 'accept-encoding': 'gzip, deflate, br' } };
    const steadyAlone = await reads(steady);
    const steadyMixed = await reads({ ...steady, pace: 1000 / PUBLISH_RATE });
    console.log(`steady: 8 readers over ${1 + OTHERS} packages (one being published), ${PUBLISH_RATE} publishes a second`);
    console.table([
      row('alone', steadyAlone.lat, steadyAlone),
      row('with publishes', steadyMixed.lat, steadyMixed),
      row('published package, alone', steadyAlone.own, steadyAlone),
      row('published package, with publishes', steadyMixed.own, steadyMixed),
    ]);
    console.log(
      `reads slowed by publishes (steady): all ${slowdown(steadyAlone.lat, steadyMixed.lat)}; the published package ${slowdown(steadyAlone.own, steadyMixed.own)}`,
    );
  }
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
