#!/usr/bin/env node
// Read throughput: publishes one package with 50 versions, then measures requests per second and
// latency percentiles for the metadata GET and the tarball GET at concurrency 32, on loopback.
//
//   pnpm bench                                  # starts its own server on the embedded default
//   BENCH_URL=http://127.0.0.1:3000 BENCH_TOKEN=... pnpm bench    # against a running server
//
// Env: BENCH_SECONDS (per scenario, default 10, at most 60), BENCH_CONCURRENCY (default 32). The
// server it starts has its rate limits off (one address sends everything); DATABASE_URL etc. pass through.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tarball } from './lib/tarball.mjs';

const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 10), 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const VERSIONS = 50;
const NAME = '@bench/react-gen';
const SERVER_BIN = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));

function packageTarball(version) {
  const manifest = {
    name: NAME,
    version,
    description: 'React component generators',
    unjucks: {
      generators: {
        component: { templates: { react: { description: 'component', variables: { type: 'object', properties: { name: { type: 'string' } } } } } },
      },
    },
  };
  const files = [
    ['package/package.json', JSON.stringify(manifest)],
    ['package/README.md', `# ${NAME}\n${'Lorem ipsum. '.repeat(200)}`],
  ];
  for (let i = 0; i < 20; i++)
    files.push([`package/_templates/component/react/file${i}.njk`, `---\nto: src/{{ name }}/file${i}.tsx\n---\n${'export const x = 1;\n'.repeat(50)}`]);
  return tarball(files);
}

async function startServer() {
  const dataDir = await mkdtemp(join(tmpdir(), 'unjucks-bench-'));
  const proc = spawn(process.execPath, [SERVER_BIN, 'start'], {
    env: { RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0', ...process.env, PORT: '0', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  return {
    url,
    token,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// node:http with keep-alive costs the client far less CPU than fetch, so on a shared 2-core
// machine more of it is left for the server being measured.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
function get(url, headers = {}) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => resolve({ ok: res.statusCode === 200, bytes }));
      res.on('error', () => resolve({ ok: false, bytes }));
    });
    req.on('error', () => resolve({ ok: false, bytes: 0 }));
  });
}

async function load(label, url, headers = {}) {
  const latencies = [];
  let errors = 0;
  let bytes = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const r = await get(url, headers);
      if (!r.ok) errors++;
      bytes += r.bytes;
      latencies.push(performance.now() - t0);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  return {
    scenario: label,
    requests: latencies.length,
    rps: Math.round(latencies.length / elapsed),
    p50_ms: pct(50),
    p99_ms: pct(99),
    errors,
    avg_body_bytes: Math.round(bytes / latencies.length),
  };
}

const own = process.env.BENCH_URL ? null : await startServer();
const base = process.env.BENCH_URL ?? own.url;
const token = process.env.BENCH_TOKEN ?? own?.token;
try {
  for (let i = 0; i < VERSIONS; i++) {
    const res = await fetch(`${base}/api/v1/packages`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: packageTarball(`1.${i}.0`) });
    if (res.status !== 201 && res.status !== 200) throw new Error(`publish 1.${i}.0: ${res.status} ${await res.text()}`);
  }
  const doc = await (await fetch(`${base}/api/v1/packages/${NAME}`)).json();
  console.log(`published ${Object.keys(doc.versions).length} versions of ${NAME}; ${SECONDS}s per scenario at concurrency ${CONCURRENCY}`);
  const results = [
    await load('metadata GET (50 versions)', `${base}/api/v1/packages/${NAME}`),
    await load('resolve GET (^1.0.0)', `${base}/api/v1/packages/${NAME}/%5E1.0.0`),
    await load('tarball GET', doc.versions['1.25.0'].dist.tarball),
    await load('npm packument GET (abbreviated)', `${base}/${NAME}`, { accept: 'application/vnd.npm.install-v1+json' }),
    await load('metadata GET with a token', `${base}/api/v1/packages/${NAME}`, { authorization: `Bearer ${token}` }),
  ];
  // A private package read by an org reader: token row, org role and grants checked per request.
  const call = (method, path, body, auth = token) =>
    fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await call('POST', '/api/v1/users', { name: 'bench-reader', password: 'bench-reader-password' });
  await call('PUT', '/api/v1/orgs/bench/members/bench-reader', { role: 'reader' });
  await call('PUT', `/api/v1/packages/${NAME.replace('/', '%2F')}/visibility`, { visibility: 'private' });
  const login = await (
    await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench-reader', password: 'bench-reader-password', actions: ['read'] }),
    })
  ).json();
  results.push(await load('private metadata GET (org reader)', `${base}/api/v1/packages/${NAME}`, { authorization: `Bearer ${login.token}` }));
  console.table(results);
} finally {
  agent.destroy();
  await own?.stop();
}
