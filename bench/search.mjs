#!/usr/bin/env node --expose-gc
// Search at scale: 10,000 packages in a fresh Postgres database. Reports the index build time
// from Postgres, the index memory, and search p50/p99 at concurrency 8 against the running server.
//   pnpm bench:search     (BENCH_DATABASE_URL: a Postgres server URL, default the local one;
//                          BENCH_PACKAGES default 10000; BENCH_SECONDS default 10)
// BENCH_ENGINES=memory,postgres picks the engines; BENCH_KEEP_DB=1 keeps the database and
// BENCH_REUSE_DB=<name> measures a kept one again (no seeding); BENCH_NODE_ARGS passes flags to the
// server's node (e.g. "--trace-gc" or "--cpu-prof --cpu-prof-dir=/tmp/prof"). At c=1 each engine
// also reports the server's own search time (Server-Timing) at p50/p99 beside the client's, and
// the slowest requests with their query, so a tail can be told apart from the search code.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import {
  openDatabase,
  SearchIndex,
  loadDocuments,
  loadDownloads,
  parseQuery,
  backfillSearchDocuments,
  loadStoredDocuments,
} from '../packages/server/dist/index.js';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.BENCH_PACKAGES ?? 10000);
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 10), 60);
// SERVER_BIN runs another build's cli.js (interleaved A/B runs against a copy of dist), as bench/publish-time does.
const SERVER_BIN = process.env.SERVER_BIN ?? fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const gc = globalThis.gc ?? (() => undefined);

const FW = [
  'react',
  'preact',
  'vue',
  'svelte',
  'angular',
  'solid',
  'express',
  'koa',
  'hapi',
  'nest',
  'fastify',
  'next',
  'nuxt',
  'remix',
  'astro',
  'prisma',
  'graphql',
  'terraform',
  'kubernetes',
  'docker',
];
const ART = [
  'component',
  'page',
  'layout',
  'hook',
  'store',
  'middleware',
  'plugin',
  'service',
  'route',
  'model',
  'resolver',
  'module',
  'deployment',
  'workflow',
  'form',
  'table',
  'modal',
  'client',
  'config',
  'schema',
];
const ADJ = ['simple', 'typed', 'minimal', 'enterprise', 'modern', 'legacy', 'tiny', 'fancy', 'fast', 'secure'];

function manifest(i) {
  const fw = FW[i % FW.length];
  const art = ART[Math.floor(i / FW.length) % ART.length];
  const adj = ADJ[Math.floor(i / (FW.length * ART.length)) % ADJ.length];
  const name = i % 5 === 0 ? `@org${i % 50}/${fw}-${art}-${i}` : `${adj}-${fw}-${art}-${i}`;
  return {
    name,
    version: '1.0.0',
    description: `${adj} ${fw} ${art} templates with tests and docs`,
    keywords: [fw, art, adj],
    unjucks: {
      generators: {
        [art]: {
          description: `${fw} ${art}s`,
          templates: Object.fromEntries(
            ['default', 'typed', 'with-tests'].map((t) => [
              t,
              {
                description: `${adj} ${art} (${t})`,
                variables: {
                  type: 'object',
                  properties: { name: { type: 'string', description: `${art} name` }, withTests: { type: 'boolean', description: 'add tests' } },
                },
              },
            ]),
          ),
        },
      },
    },
  };
}

const readme = (m) =>
  `# ${m.name}\n\n${m.description}.\n\n## Usage\n\n    unjucks ${Object.keys(m.unjucks.generators)[0]} default MyThing\n\n${'This package generates files for your project. '.repeat(30)}`;

async function seed(url) {
  const sql = postgres(url, { max: 4, onnotice: () => undefined });
  const [{ id: admin }] = await sql`insert into users (name, is_admin) values ('admin', true) on conflict (name) do update set is_admin = true returning id`;
  for (let start = 0; start < N; start += 1000) {
    const ms = Array.from({ length: Math.min(1000, N - start) }, (_, k) => manifest(start + k));
    const pkgs =
      await sql`insert into packages ${sql(ms.map((m) => ({ name: m.name, canonical_name: m.name.replace(/[._-]/g, ''), created_by: admin })))} returning id, name`;
    const byName = new Map(pkgs.map((p) => [p.name, p.id]));
    await sql`insert into versions ${sql(
      ms.map((m, k) => ({
        package_id: byName.get(m.name),
        version: '1.0.0',
        manifest: sql.json(m),
        readme: readme(m),
        integrity: 'sha512-bench',
        shasum: 'bench',
        size: 1000,
        file_count: 4,
        unpacked_size: 4000,
        blob_key: 'sha512/bench',
        published_by: admin,
        report: sql.json({
          ok: true,
          errors: 0,
          warnings: 0,
          findings: [],
          capabilities: k % 7 === 0 ? ['shell'] : [],
          capabilityDetails: [],
          quality: 50 + (k % 50),
          templates: [],
          validator: 'bench',
        }),
      })),
    )}`;
    await sql`insert into dist_tags ${sql(pkgs.map((p) => ({ package_id: p.id, tag: 'latest', version: '1.0.0' })))}`;
    await sql`insert into downloads ${sql(pkgs.map((p, k) => ({ package_id: p.id, day: new Date().toISOString().slice(0, 10), count: (k * 37) % 1000 })))}`;
  }
  await sql.end();
}

function run(args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SERVER_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${c}`))));
  });
}

const agent = new http.Agent({ keepAlive: true });
/** Resolves to the server's search time in ms (Server-Timing), or null when the request failed. */
const get = (url) =>
  new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        const dur = /search;dur=([\d.]+)/.exec(res.headers['server-timing'] ?? '');
        res.on('end', () => resolve(res.statusCode === 200 ? Number(dur?.[1] ?? Number.NaN) : null));
      })
      .on('error', () => resolve(null));
  });

const REUSE = process.env.BENCH_REUSE_DB;
const dbName = REUSE ?? `unjucks_bench_${Date.now()}`;
const admin = postgres(BASE_URL, { max: 1, onnotice: () => undefined });
if (!REUSE) await admin.unsafe(`create database ${dbName}`);
const url = new URL(BASE_URL);
url.pathname = `/${dbName}`;
const dataDir = await mkdtemp(join(tmpdir(), 'unjucks-bench-search-'));
let server;
try {
  const env = {
    DATABASE_URL: url.toString(),
    DATA_DIR: dataDir,
    PORT: '0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The server refuses a shared database without one; the limits would turn the load into 429s.
    SIGNING_KEY_SECRET: 'search-bench-signing-key-secret-0123456789abcdef',
    RATE_LIMIT_IP_PER_MINUTE: '0',
    RATE_LIMIT_TOKEN_PER_MINUTE: '0',
  };
  await run(['migrate'], env);
  let t0 = performance.now();
  if (!REUSE) await seed(url.toString());
  console.log(`seeded ${N} packages in ${Math.round(performance.now() - t0)} ms`);
  {
    // The seed writes rows straight into Postgres; the stored search documents are backfilled
    // here, as a server's start-up would, so that start-to-ready below is a steady-state restart.
    const database = await openDatabase({ databaseUrl: url.toString(), dataDir, holder: 'bench' });
    t0 = performance.now();
    const n = await backfillSearchDocuments(database.db);
    console.log(`search documents backfilled for ${n} packages in ${Math.round(performance.now() - t0)} ms`);
    await database.close();
    // What autovacuum would have done by the time a registry serves these rows. Where it is off
    // (`show autovacuum`), the GIN indexes keep every row just written in their pending list, which
    // each qualifier search then scans whole (5-14 ms for keyword:react at 10k), and the planner
    // has no statistics.
    const vacuum = postgres(url.toString(), { max: 1, onnotice: () => undefined });
    t0 = performance.now();
    await vacuum.unsafe('vacuum analyze');
    console.log(`vacuum analyze in ${Math.round(performance.now() - t0)} ms`);
    await vacuum.end();
  }

  // Build time and memory, measured in this process with the server's own code.
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir, holder: 'bench' });
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  t0 = performance.now();
  const index = new SearchIndex();
  // The old path, for comparison (its result is dropped before the heap is measured).
  await loadDocuments(database.db);
  const deriveMs = performance.now() - t0;
  gc();
  t0 = performance.now();
  // What a replica does at start: the stored documents, not a derivation from versions.
  const [docs, dl] = await Promise.all([loadStoredDocuments(database.db), loadDownloads(database.db)]);
  const loadMs = performance.now() - t0;
  index.rebuild(docs, dl);
  const buildMs = performance.now() - t0;
  gc();
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1024 / 1024;
  const inProc = [];
  for (const q of ['react component', 'express route', 'prisma model', 'kubernetes deployment']) {
    const s = performance.now();
    index.search(parseQuery(q), { size: 20, from: 0 });
    inProc.push(performance.now() - s);
  }
  await database.close();
  void docs;

  // The running server per engine, at concurrency 8 and 1, over a mix of distinct queries (more
  // than the result cache holds, and the cache off) so that every search is computed.
  const TYPO = (w) => (w.length > 5 ? w.slice(0, 2) + w[3] + w[2] + w.slice(4) : w);
  const mix = new Set();
  for (const fw of FW)
    for (const art of ART) {
      mix.add(`${fw} ${art}`);
      mix.add(`${ADJ[(fw.length + art.length) % ADJ.length]} ${fw} ${art}`);
      mix.add(`${TYPO(fw)} ${art}`);
    }
  for (const art of ART) for (const adj of ADJ) mix.add(`${adj} ${art}`);
  for (let i = 0; i < 50; i++) mix.add(`keyword:${FW[i % FW.length]} scope:@org${i}`);
  for (const fw of FW) mix.add(`${fw.slice(0, 4)}`);
  const queries = [...mix].sort((a, b) => ((a.length * 7919 + a.charCodeAt(0)) % 101) - ((b.length * 7919 + b.charCodeAt(0)) % 101));
  console.log(`query mix: ${queries.length} distinct queries`);
  const rss = (pid) => {
    try {
      return (Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024).toFixed(0);
    } catch {
      return '?';
    }
  };
  const rows = [];
  const GC_WATCH = process.env.BENCH_GC_WATCH ? fileURLToPath(new URL('./search-gc-watch.mjs', import.meta.url)) : '';
  const BARE_SERVER = `const s = require('node:http').createServer((q, r) => { r.writeHead(200, { 'content-type': 'application/json', 'server-timing': 'search;dur=0' }); r.end(process.env.BODY); });
    s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));`;
  let sampleBody = '';
  for (const engine of (process.env.BENCH_ENGINES ?? 'memory,postgres,bare').split(',')) {
    const started = performance.now();
    const gcFile = GC_WATCH ? join(dataDir, `gc-${engine}.jsonl`) : '';
    const nodeArgs = [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(GC_WATCH ? ['--import', GC_WATCH] : [])];
    // `bare`: a plain Node server answering a recorded search response, the floor of this machine
    // and this client in the same run (what HTTP alone costs, and the noise of other processes).
    server =
      engine === 'bare'
        ? spawn(process.execPath, ['-e', BARE_SERVER], { env: { ...process.env, BODY: sampleBody }, stdio: ['ignore', 'pipe', 'inherit'] })
        : spawn(process.execPath, [...nodeArgs, SERVER_BIN, 'start'], {
            env: { ...process.env, ...env, SEARCH_CACHE_ENTRIES: '0', SEARCH_ENGINE: engine, GC_WATCH_FILE: gcFile },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
    // Only until the server listens: its log (a line per request) is then drained unread. Kept
    // and searched for the whole run, the growing string was flattened and scanned once per chunk
    // the server wrote, megabytes per request in this process, which shared the cores it measures.
    const base = await new Promise((resolve) => {
      let out = '';
      const onData = (d) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (!m) return;
        server.stdout.off('data', onData);
        server.stdout.resume();
        resolve(m[1]);
      };
      server.stdout.on('data', onData);
    });
    const readyMs = Math.round(performance.now() - started);
    if (!sampleBody) sampleBody = await (await fetch(`${base}/api/v1/search?q=react+component&size=20`)).text();
    // Warm the JIT, then measure.
    for (const q of queries.slice(0, 100)) await get(`${base}/api/v1/search?q=${encodeURIComponent(q)}&size=20`);
    for (const c of [8, 1]) {
      const latencies = [];
      const samples = [];
      let errors = 0;
      let next = 0;
      const deadline = performance.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: c }, async () => {
          while (performance.now() < deadline) {
            const q = queries[next++ % queries.length];
            const s = performance.now();
            const searchMs = await get(`${base}/api/v1/search?q=${encodeURIComponent(q)}&size=20`);
            const ms = performance.now() - s;
            if (searchMs === null) errors++;
            latencies.push(ms);
            samples.push({ q, ms, searchMs, at: s });
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      const pct = (p, xs = latencies) => xs[Math.floor((p / 100) * (xs.length - 1))].toFixed(1);
      if (c === 1) {
        const inSearch = samples.map((x) => x.searchMs ?? 0).sort((a, b) => a - b);
        console.log(`${engine} c=1: server search time p50 ${pct(50, inSearch)} ms, p99 ${pct(99, inSearch)} ms; client p50 ${pct(50)}, p99 ${pct(99)}`);
        const slowest = [...samples].sort((a, b) => b.ms - a.ms).slice(0, Number(process.env.BENCH_SLOWEST ?? 20));
        const t00 = samples[0]?.at ?? 0;
        // Pauses (wall clock) that overlapped each slow request, when the server was watched.
        await new Promise((r) => setTimeout(r, 1100));
        const gcs =
          gcFile && existsSync(gcFile)
            ? readFileSync(gcFile, 'utf8')
                .trim()
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l))
            : [];
        const during = (x) => {
          const a = performance.timeOrigin + x.at;
          return gcs.filter((g) => g.at < a + x.ms && g.at + g.ms > a);
        };
        if (gcFile) {
          const inRun = gcs.filter((g) => g.at >= performance.timeOrigin + t00 && g.kind !== 'stall');
          const stalls = gcs.filter((g) => g.at >= performance.timeOrigin + t00 && g.kind === 'stall');
          console.log(
            `${engine} c=1 event-loop stalls > 6 ms: ${stalls.length}, ${stalls.reduce((n, g) => n + g.ms, 0).toFixed(0)} ms in all, of which the process ran ${stalls.reduce((n, g) => n + g.cpuMs, 0).toFixed(0)} ms on a CPU`,
          );
          const sum = (k) => inRun.filter((g) => g.kind === k).reduce((n, g) => n + g.ms, 0);
          console.log(
            `${engine} c=1 GC: ${inRun.length} pauses, minor ${sum('minor').toFixed(0)} ms, major ${sum('major').toFixed(0)} ms, incremental ${sum('incremental').toFixed(0)} ms, longest ${Math.max(0, ...inRun.map((g) => g.ms)).toFixed(1)} ms`,
          );
        }
        console.table(
          slowest.map((x) => ({
            query: x.q,
            'client (ms)': x.ms.toFixed(1),
            'search (ms)': x.searchMs?.toFixed(2),
            'at (s)': ((x.at - t00) / 1000).toFixed(2),
            ...(gcFile
              ? {
                  'GC and stalls during (ms)': during(x)
                    .map((g) => `${g.kind} ${g.ms.toFixed(1)}${g.kind === 'stall' ? ` (cpu ${g.cpuMs.toFixed(1)})` : ''}`)
                    .join(', '),
                }
              : {}),
          })),
        );
      }
      rows.push({
        engine,
        concurrency: c,
        'start to ready (ms)': readyMs,
        rps: Math.round(latencies.length / SECONDS),
        'p50 (ms)': pct(50),
        'p99 (ms)': pct(99),
        errors,
        'RSS (MB)': rss(server.pid),
      });
    }
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    server = null;
  }
  console.table([
    {
      packages: docs.length,
      'derive from versions (ms)': Math.round(deriveMs),
      'load stored documents (ms)': Math.round(loadMs),
      'build total (ms)': Math.round(buildMs),
      'index heap (MB)': heapMb.toFixed(1),
      'in-process search, cold (ms)': inProc.map((t) => t.toFixed(1)).join('/'),
    },
  ]);
  console.table(rows);
} finally {
  agent.destroy();
  if (server) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  if (process.env.BENCH_KEEP_DB || REUSE) console.log(`kept database ${dbName}`);
  else await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
}
