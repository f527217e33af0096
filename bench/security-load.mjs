#!/usr/bin/env node
// What anonymous clients can do to a server's latency, loopback only, on the embedded default.
//  1. Publish latency alone, then while 32 anonymous logins (random names, so each costs a 128 MiB
//     scrypt) run without pause: from one address, and from 32 addresses (X-Forwarded-For with
//     TRUST_PROXY=1, as if behind a proxy).
//  2. The server's event-loop delay (its own monitorEventLoopDelay, read from /metrics:
//     unjucks_nodejs_eventloop_lag_max_seconds) and the slowest GET /health seen by a client while
//     anonymous 14 MB deeply nested JSON bodies and 20 MB oversized bodies arrive.
//   node bench/security-load.mjs            (BENCH_SERVER_BIN=... to measure another build)
// Measured on a shared 2-core machine (load ~10), before (32adf82) -> after the security fixes:
//   publish alone: median 617 ms -> 261 ms
//   publish during 32 logins from one address: median 1.6 s, one timed out at 120 s -> median 2.9 s, max 8 s
//   publish during 32 logins from 32 addresses: all 3 timed out at 120 s -> median 1.9 s, max 2.0 s
//   event-loop max delay under anonymous deep/oversized bodies: 15.4 s -> 85 ms (slowest /health 15.6 s -> 0.37 s)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tarball } from './lib/tarball.mjs';

const SERVER_BIN = process.env.BENCH_SERVER_BIN ?? fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const PUBLISHES = 3;
const LOGINS = 32;
const PUBLISH_TIMEOUT_MS = 120_000;

const pkg = (name, version) =>
  tarball([
    [
      'package/package.json',
      JSON.stringify({
        name,
        version,
        description: 'bench',
        unjucks: { generators: { svc: { description: 'svc', templates: { rest: { description: 'rest' } } } } },
      }),
    ],
    ['package/README.md', `# ${name}\n`],
    ['package/_templates/svc/rest/index.njk', `---\nto: src/{{ name }}.ts\n---\nexport const v = '${version}';\n`],
  ]);

async function startServer() {
  const dataDir = await mkdtemp(join(tmpdir(), 'unjucks-secbench-'));
  const child = spawn(process.execPath, [SERVER_BIN, 'start'], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TRUST_PROXY: '1', LOG_LEVEL: 'info', RATE_LIMIT_IP_PER_MINUTE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      if (out === null) return; // listening: drain the request log, keep nothing
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        out = null;
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  return {
    url,
    token,
    async stop() {
      await new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let version = 0;
async function timedPublish(s) {
  const t0 = performance.now();
  const res = await fetch(`${s.url}/api/v1/packages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream' },
    body: pkg('secbench', `1.0.${version++}`),
    signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
  }).catch((e) => ({ status: `error: ${e.name}` }));
  return { ms: performance.now() - t0, status: res.status };
}

async function publishes(s) {
  const out = [];
  for (let i = 0; i < PUBLISHES; i++) out.push(await timedPublish(s));
  const ms = out.map((r) => r.ms).sort((a, b) => a - b);
  return { medianMs: Math.round(ms[Math.floor(ms.length / 2)]), maxMs: Math.round(ms[ms.length - 1]), statuses: out.map((r) => r.status) };
}

/** 32 login loops that keep a login in flight each until stopped; counts answers by status. */
function loginStorm(s, spreadAddresses) {
  const statuses = {};
  let stop = false;
  const loops = Array.from({ length: LOGINS }, async (_, i) => {
    while (!stop) {
      const headers = { 'content-type': 'application/json', ...(spreadAddresses ? { 'x-forwarded-for': `198.51.100.${i + 1}` } : {}) };
      const res = await fetch(`${s.url}/api/v1/auth/login`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ username: `nobody-${randomBytes(6).toString('hex')}`, password: 'not the password' }),
      }).catch(() => ({ status: 0 }));
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      // A refused login comes back at once; do not spin on it.
      if (res.status === 429 || res.status === 503) await new Promise((r) => setTimeout(r, 50));
    }
  });
  return {
    async end() {
      stop = true;
      await Promise.all(loops);
      return statuses;
    },
  };
}

async function eventLoopMax(s) {
  const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${s.token}` } })).text();
  return Number(/^unjucks_nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1] ?? NaN);
}

function healthWatch(s) {
  let worst = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await fetch(`${s.url}/health`)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    stop = true;
    await loop;
    return Math.round(worst);
  };
}

const deep = `${'['.repeat(7_000_000)}${']'.repeat(7_000_000)}`;
const oversized = `{"_attachments":{"x.tgz":{"data":"${'A'.repeat(20 * 1024 * 1024)}"}}}`;

async function bodyStorm(s) {
  await eventLoopMax(s); // reset the server's histogram
  const stopWatch = healthWatch(s);
  const statuses = {};
  for (let round = 0; round < 2; round++) {
    const sent = await Promise.all(
      [deep, deep, oversized, oversized].map((body, i) =>
        fetch(`${s.url}/secbench-body-${round}-${i}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body }).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    for (const st of sent) statuses[st] = (statuses[st] ?? 0) + 1;
  }
  const worstHealthMs = await stopWatch();
  return { serverEventLoopMaxMs: Math.round((await eventLoopMax(s)) * 1000), worstHealthMs, statuses };
}

const progress = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const s = await startServer();
try {
  const results = { server: SERVER_BIN };
  progress(`server up at ${s.url}`);
  results.publishAlone = await publishes(s);
  progress(`alone: ${JSON.stringify(results.publishAlone)}`);
  results.anonymousBodies = await bodyStorm(s);
  progress(`bodies: ${JSON.stringify(results.anonymousBodies)}`);
  let storm = loginStorm(s, false);
  await new Promise((r) => setTimeout(r, 1000));
  results.publishDuring32LoginsOneAddress = await publishes(s);
  results.publishDuring32LoginsOneAddress.logins = await storm.end();
  progress(`one address: ${JSON.stringify(results.publishDuring32LoginsOneAddress)}`);
  storm = loginStorm(s, true);
  await new Promise((r) => setTimeout(r, 1000));
  results.publishDuring32LoginsFrom32Addresses = await publishes(s);
  results.publishDuring32LoginsFrom32Addresses.logins = await storm.end();
  progress(`32 addresses: ${JSON.stringify(results.publishDuring32LoginsFrom32Addresses)}`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await s.stop();
}
