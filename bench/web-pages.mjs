#!/usr/bin/env node
// Web page latency: publishes one package with 50 versions and a long README, then measures the
// pages one request at a time (the server time a reader waits for, plus loopback) and at
// concurrency 8, anonymous and signed in.
//
//   pnpm bench:web                 # starts its own server on the embedded default
//
// Env: BENCH_SECONDS (per scenario, default 5, at most 60). DATABASE_URL etc. pass through.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tarball } from './lib/tarball.mjs';

const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 5), 60);
const VERSIONS = 50;
const NAME = 'web-bench-gen';
const SERVER_BIN = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const README = `# ${NAME}\n\n${Array.from({ length: 60 }, (_, i) => `## Section ${i}\n\nSome *text* with [a link](https://example.com/${i}) and \`code\`.\n\n\`\`\`js\nconst x${i} = ${i};\n\`\`\`\n`).join('\n')}`;

function packageTarball(version) {
  const manifest = {
    name: NAME,
    version,
    description: 'React component generators',
    keywords: ['react', 'bench'],
    unjucks: {
      generators: {
        component: {
          templates: {
            react: {
              description: 'component',
              variables: { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'Component name' } } },
            },
          },
        },
      },
    },
  };
  const files = [
    ['package/package.json', JSON.stringify(manifest)],
    ['package/README.md', README],
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

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function get(url, headers = {}) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers: { accept: 'text/html', ...headers } }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => resolve({ ok: res.statusCode === 200, bytes }));
      res.on('error', () => resolve({ ok: false, bytes }));
    });
    req.on('error', () => resolve({ ok: false, bytes: 0 }));
  });
}

async function load(label, url, concurrency, headers = {}) {
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
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  return {
    scenario: label,
    concurrency,
    requests: latencies.length,
    rps: Math.round(latencies.length / elapsed),
    p50_ms: pct(50),
    p95_ms: pct(95),
    p99_ms: pct(99),
    errors,
    body_kib: (bytes / latencies.length / 1024).toFixed(1),
  };
}

const own = await startServer();
const base = own.url;
try {
  for (let i = 0; i < VERSIONS; i++) {
    const res = await fetch(`${base}/api/v1/packages`, { method: 'POST', headers: { authorization: `Bearer ${own.token}` }, body: packageTarball(`1.${i}.0`) });
    if (res.status !== 201) throw new Error(`publish 1.${i}.0: ${res.status} ${await res.text()}`);
  }
  // A signed-in browser: the password set through the API, the session through the sign-in form.
  await fetch(`${base}/api/v1/users/admin/password`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${own.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ password: 'bench-password' }),
  });
  const form = await fetch(`${base}/-/web/login`);
  const loginCookie = form.headers.get('set-cookie').split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())[1];
  const signIn = await fetch(`${base}/-/web/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: base, cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, username: 'admin', password: 'bench-password', next: '/-/web/' }),
  });
  const session = signIn.headers
    .getSetCookie()
    .find((c) => c.startsWith('unjucks_session='))
    .split(';')[0];
  console.log(`published ${VERSIONS} versions of ${NAME} (README ${(README.length / 1024).toFixed(1)} KiB); ${SECONDS}s per scenario`);
  const page = `${base}/-/web/package/${NAME}`;
  // Server time as the page reports it (Server-Timing: data, README, render), sequentially.
  const timings = [];
  for (let i = 0; i < 200; i++) {
    const res = await fetch(page, { headers: { accept: 'text/html' } });
    await res.arrayBuffer();
    const parts = Object.fromEntries(
      res.headers
        .get('server-timing')
        .split(',')
        .map((p) => {
          const [k, d] = p.trim().split(';dur=');
          return [k, Number(d)];
        }),
    );
    timings.push({ ...parts, total: parts.data + parts.readme + parts.render });
  }
  const median = (k) =>
    timings
      .map((t) => t[k])
      .sort((a, b) => a - b)
      [timings.length >> 1].toFixed(2);
  const p95 = (k) =>
    timings
      .map((t) => t[k])
      .sort((a, b) => a - b)
      [Math.floor(timings.length * 0.95)].toFixed(2);
  console.log(
    `package page server time over ${timings.length} requests (ms): ` +
      ['data', 'readme', 'render', 'total'].map((k) => `${k} p50 ${median(k)} p95 ${p95(k)}`).join('; '),
  );
  const results = [];
  for (const c of [1, 8]) {
    results.push(await load('package page', page, c));
    results.push(await load('package page, signed in', page, c, { cookie: session }));
    results.push(await load('search page (q=react)', `${base}/-/web/?q=react`, c));
    results.push(await load('search fragment (as you type)', `${base}/-/web/search?q=rea`, c));
    results.push(await load('file view', `${page}/files?v=1.25.0&path=_templates%2Fcomponent%2Freact%2Ffile3.njk`, c));
  }
  console.table(results);
} finally {
  agent.destroy();
  await own.stop();
}
