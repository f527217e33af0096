#!/usr/bin/env node
// Scale: generates SCALE_PACKAGES packages x SCALE_VERSIONS_PER_PACKAGE versions straight into a
// fresh Postgres database (INSERT ... SELECT generate_series, search documents and terms included,
// as the server writes them), starts the registry on it and measures start-up to ready, the
// replica's RSS, and metadata and search p50/p99 at c=8 for SCALE_SECONDS each. Each size in
// SCALE_PACKAGES (space-separated) gets its own database, dropped at the end, and its own registry;
// all of them run at once, and each workload alternates between them (SCALE_ROUNDS). The last
// column compares each size with the first. Targets (issue #14): at 100,000 packages / 1,000,000 versions,
// start-up < 10 s, RSS < 300 MB, metadata and search p99 within 1.5x of the 1,000-package figures.
//   SCALE_PACKAGES="1000 100000" SCALE_VERSIONS_PER_PACKAGE=10 SCALE_ROUNDS=5 pnpm bench:scale
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { metricsText } from './lib/metrics-text.mjs';
import { query, WORDS } from './lib/scale-words.mjs';

// SCALE_REUSE measures kept databases (space-separated), a size each (its own count), in that order.
const REUSED = process.env.SCALE_REUSE?.trim()
  ? process.env.SCALE_REUSE.trim()
      .split(/\s+/)
      .map((entry) => entry.split(':'))
  : undefined;
const SIZES = REUSED
  ? REUSED.map(() => 0)
  : (process.env.SCALE_PACKAGES ?? '1000 100000')
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
const PER_PACKAGE = Number(process.env.SCALE_VERSIONS_PER_PACKAGE ?? 10);
const SECONDS = Math.min(Number(process.env.SCALE_SECONDS ?? 10), 60);
const REQUESTS = Number(process.env.SCALE_REQUESTS ?? 0);
const CONCURRENCY = 8;
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// SERVER_BIN runs another build's cli.js (interleaved A/B runs against a copy of dist), as bench/publish-time does.
const SERVER_BIN = process.env.SERVER_BIN ?? fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));

const pick = (i, k) => WORDS[(i * [7, 13, 31, 53][k] + k * 17) % WORDS.length];

const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
/**
 * Where a replica's RSS is, in MB: V8's heap (committed, and live at the last GC), memory outside
 * it (Buffers and other external memory), from the server's own /metrics (prom-client's default
 * metrics); anonymous and file-backed resident memory and threads from /proc.
 */
async function memoryOf(url, pid) {
  const text = await metricsText(url, agent);
  const metric = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
  const space = (kind, name) =>
    Number(new RegExp(`^unjucks_nodejs_heap_space_size_${kind}_bytes\\{space="${name}"\\} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
  const proc = (file, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? Number.NaN) / 1024;
  return {
    heapTotal: metric('unjucks_nodejs_heap_size_total_bytes'),
    heapUsed: metric('unjucks_nodejs_heap_size_used_bytes'),
    newSpace: space('total', 'new'),
    oldSpace: `${space('used', 'old').toFixed(0)}/${space('total', 'old').toFixed(0)}`,
    external: metric('unjucks_nodejs_external_memory_bytes'),
    anon: proc('smaps_rollup', 'Anonymous'),
    file: proc('smaps_rollup', 'Rss_File') || proc('status', 'RssFile'),
    threads: proc('status', 'Threads') * 1024,
  };
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function get(url, headers = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end();
  });
}
const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((q / 100) * (s.length - 1)))];
};
const f1 = (x) => x.toFixed(1);

const serverEnv = (dbUrl, dataDir) => ({
  ...process.env,
  PORT: '0',
  // One address for every start, as a deployment has: the stored documents are kept for it.
  PUBLIC_URL: 'http://registry.scale.test',
  DATA_DIR: dataDir,
  DATABASE_URL: dbUrl,
  SIGNING_KEY_SECRET: 'scale-bench-signing-key-secret-0123456789abcdef',
  RATE_LIMIT_IP_PER_MINUTE: '0',
  RATE_LIMIT_TOKEN_PER_MINUTE: '0',
  ...(process.env.SCALE_ENGINE ? { SEARCH_ENGINE: process.env.SCALE_ENGINE } : {}),
});

/**
 * `unjucks-registry documents`: stores every package's rendered documents, as a registry whose
 * packages were published and read through it holds them (generate writes rows only). Seconds taken.
 */
async function storeDocuments(dbUrl, dataDir) {
  const t0 = performance.now();
  // This checkout's build, whichever SERVER_BIN is measured (an older one may not have the command).
  const bin = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
  const proc = spawn(process.execPath, [bin, 'documents'], { env: serverEnv(dbUrl, dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => proc.once('exit', resolve));
  if (code !== 0) throw new Error(`unjucks-registry documents exited with ${code}:\n${out.slice(-2000)}`);
  console.error(out.trim().split('\n').at(-1));
  return (performance.now() - t0) / 1000;
}

function startServer(dbUrl, dataDir) {
  const t0 = performance.now();
  const nodeArgs = process.env.SCALE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeArgs, SERVER_BIN, 'start'], {
    env: serverEnv(dbUrl, dataDir),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the registry did not listen within 180 s:\n${out.slice(-2000)}`)), 180_000);
    const onData = (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      proc.stdout.resume();
      resolve({ url: m[1], log: out });
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`the registry exited (${code}) before listening:\n${out.slice(-2000)}`)));
  });
  return {
    proc,
    ready: ready.then(async ({ url, log }) => {
      for (;;) {
        if ((await get(`${url}/ready`)).status === 200) return { url, log, startMs: performance.now() - t0 };
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

/** Packages, versions, latest tags, search documents and terms, in a handful of statements. */
async function generate(sql, n, perPackage) {
  const words = `{${WORDS.join(',')}}`;
  const w = (k) => `(${'$1'}::text[])[1 + ((i * ${[7, 13, 31, 53][k]} + ${k * 17}) % ${WORDS.length})]`;
  await sql.unsafe(
    `insert into packages (name, canonical_name, created_by, revision)
     select 'scale-' || ${w(0)} || '-' || i, 'scale' || ${w(0)} || i, 1, 1 from generate_series(1, ${n}) i`,
    [words],
  );
  // Per package: i is recovered from the name so the words agree with the package's.
  await sql.unsafe(
    `insert into versions (package_id, version, manifest, readme, integrity, shasum, size, file_count, unpacked_size, blob_key, published_by, report)
     select p.id, '1.0.' || v,
       jsonb_build_object('name', p.name, 'version', '1.0.' || v, 'description', ${w(1)} || ' ' || ${w(2)} || ' templates for ' || ${w(3)},
         'keywords', jsonb_build_array(${w(1)}, ${w(2)}), 'license', 'MIT',
         'unjucks', jsonb_build_object('generators', jsonb_build_object(${w(1)}, jsonb_build_object('description', ${w(1)} || ' generator',
           'templates', jsonb_build_object('new', jsonb_build_object('description', 'new ' || ${w(2)}, 'variables', jsonb_build_object('properties', jsonb_build_object('name', jsonb_build_object('type', 'string', 'description', 'the name'))))))))),
       '# ' || p.name || E'\\n\\n' || ${w(3)} || ' ' || ${w(2)} || E' templates.\\n',
       'sha512-' || md5(p.name || v), md5(p.name || v), 2048, 5, 8192, 'blobs/scale/' || md5(p.name || v), 1,
       '{"ok":true,"errors":0,"warnings":0,"findings":[],"capabilities":[],"capabilityDetails":[],"quality":80,"templates":[],"validator":"unjucks-validate/1"}'::jsonb
     from (select id, name, substring(name from '[0-9]+$')::int as i from packages where name like 'scale-%') p
     cross join generate_series(0, ${perPackage - 1}) v`,
    [words],
  );
  await sql.unsafe(`insert into dist_tags (package_id, tag, version) select id, 'latest', '1.0.${perPackage - 1}' from packages where name like 'scale-%'`);
  // What search/store.ts writes for each package, in SQL: the same columns, doc and weighted tsvector.
  await sql.unsafe(
    `insert into search_documents (package_id, revision, name, scope, private, deprecated, quality, downloads, keywords, maintainers, capabilities, generators, name_words, doc, tsv)
     select p.id, p.revision, p.name, null, false, false, 80, 0, array[${w(1)}, ${w(2)}], array['admin'], '{}', array[${w(1)}, ${w(1)} || '/new'],
       'scale ' || ${w(0)} || ' ' || i,
       jsonb_build_object('id', p.id, 'name', p.name, 'scope', null, 'version', '1.0.${perPackage - 1}',
         'description', ${w(1)} || ' ' || ${w(2)} || ' templates for ' || ${w(3)}, 'keywords', jsonb_build_array(${w(1)}, ${w(2)}),
         'generators', jsonb_build_array(jsonb_build_object('name', ${w(1)}, 'description', ${w(1)} || ' generator',
           'templates', jsonb_build_array(jsonb_build_object('name', 'new', 'description', 'new ' || ${w(2)}, 'variables', jsonb_build_array(jsonb_build_object('name', 'name', 'description', 'the name')))))),
         'readme', '# ' || p.name || E'\\n\\n' || ${w(3)} || ' ' || ${w(2)} || E' templates.\\n',
         'maintainers', jsonb_build_array('admin'), 'publisher', 'admin', 'capabilities', '[]'::jsonb, 'quality', 80,
         'deprecated', false, 'private', false, 'date', to_jsonb(now())),
       setweight(to_tsvector('simple', 'scale ' || ${w(0)} || ' ' || i), 'A')
         || setweight(to_tsvector('simple', ${w(1)} || ' new ' || ${w(1)} || ' ' || ${w(2)}), 'B')
         || setweight(to_tsvector('simple', ${w(1)} || ' ' || ${w(2)} || ' templates ' || ${w(3)} || ' generator'), 'C')
         || setweight(to_tsvector('simple', 'name ' || ${w(3)} || ' ' || ${w(2)}), 'D')
     from (select id, name, revision, substring(name from '[0-9]+$')::int as i from packages where name like 'scale-%') p`,
    [words],
  );
  await sql.unsafe(`insert into search_terms (term) select unnest($1::text[]) union select 'scale' union select 'templates' on conflict do nothing`, [words]);
  await sql.unsafe('analyze');
}

/** CPU seconds (user + system) a process has used, from /proc; 0 once it is gone. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU used by the registry and by its database's backends: a figure the other processes on a
 * shared machine do not move, unlike latency percentiles (they only wait for a core).
 */
async function cpuOf(sql, dbName, serverPid) {
  const backends = await sql`select pid from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`;
  const db = new Map(backends.map((b) => [b.pid, cpuSeconds(b.pid)]));
  return { server: cpuSeconds(serverPid), db };
}
const cpuSince = async (sql, dbName, serverPid, before) => {
  const now = await cpuOf(sql, dbName, serverPid);
  let db = 0;
  for (const [pid, s] of now.db) db += s - (before.db.get(pid) ?? 0);
  return { server: now.server - before.server, db };
};

/**
 * One round of a workload: `fn` at c=8 for `seconds` (or `requests` requests), with the CPU the
 * registry and its database's backends used meanwhile. Rounds of one workload are pooled (pool).
 */
async function load(fn, cpu, { seconds, requests, offset }) {
  const before = await cpu.read();
  const lat = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  // SCALE_REQUESTS: a fixed number of requests per phase instead of SCALE_SECONDS, so that memory
  // figures compare across runs on a shared machine (a slower run reads fewer packages).
  const more = requests ? (i) => i < requests : () => performance.now() < deadline;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      for (let i = c; more(i); i += CONCURRENCY) {
        // Counted on from the previous round's last request: a round repeating the first one's
        // requests would find them in the caches (snapshots, the search result cache).
        const r = await fn(offset + i);
        if (r.status !== 200) errors++;
        lat.push(r.ms);
      }
    }),
  );
  return { lat, errors, used: await cpu.since(before), done: lat.length };
}

/** A workload's rounds as one figure: percentiles over all their requests, CPU µs per request. */
function pool(rounds) {
  const lat = rounds.flatMap((r) => r.lat);
  const perReq = (x) => (x * 1e6) / Math.max(1, lat.length);
  const sum = (f) => rounds.reduce((a, r) => a + f(r), 0);
  return {
    requests: lat.length,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    errors: sum((r) => r.errors),
    cpu: { server: perReq(sum((r) => r.used.server)), db: perReq(sum((r) => r.used.db)) },
  };
}

// SCALE_ENGINE sets the server's SEARCH_ENGINE (default auto: memory up to SEARCH_MEMORY_MAX_PACKAGES).
// SCALE_KEEP=1 keeps each size's database and data directory (for EXPLAIN ANALYZE, profiling);
// SCALE_REUSE="<database>:<data dir> ..." measures kept ones again instead of generating, as printed.
const KEEP = !!process.env.SCALE_KEEP;
// SCALE_NODE_ARGS passes flags to the registry's node (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
// SCALE_WORKLOADS="metadata search" (the default) or one of them, to see each one's memory alone.
const WORKLOADS = (process.env.SCALE_WORKLOADS ?? 'metadata search').split(/[\s,]+/);
// SCALE_ROUNDS=n: every size's registry runs at once, and each workload alternates between the sizes
// n times (SCALE_SECONDS/n each), pooled per size. This machine's speed drifts (other tenants) by as
// much as the ratio under test: sizes measured minutes apart gave search p99 ratios of 1.15x to
// 2.2x for the same build. Alternating gives each size the same share of the drift.
const roundsWanted = Math.floor(Number(process.env.SCALE_ROUNDS ?? 1));
const ROUNDS = Number.isFinite(roundsWanted) ? Math.max(1, Math.min(roundsWanted, 20)) : 1;

/** A size's database (generated, or kept from an earlier run) and its registry, started and ready. */
async function prepare(n, cleanup, reuse) {
  const dbName = reuse?.[0] ?? `unjucks_scale_${n}_${Date.now()}`;
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => undefined });
  const dbUrl = new URL(BASE_URL);
  dbUrl.pathname = `/${dbName}`;
  const sql = postgres(dbUrl.toString(), { max: 1, onnotice: () => undefined });
  const it = { server: null, dataDir: reuse?.[1] ?? null };
  // Registered before anything is made, and each step on its own: a failed step leaves the rest to do.
  cleanup.push(async () => {
    const step = (f) => f().catch((e) => console.error(`cleanup of ${dbName}: ${e.message}`));
    await step(async () => it.server?.stop());
    await step(() => sql.end());
    if (KEEP || reuse) {
      console.error(`kept: ${dbName}:${it.dataDir} (drop database ${dbName} and rm -r ${it.dataDir} when done)`);
      kept.push(`${dbName}:${it.dataDir}`);
    } else {
      await step(() => admin.unsafe(`drop database if exists ${dbName} with (force)`));
      if (it.dataDir) await step(() => rm(it.dataDir, { recursive: true, force: true }));
    }
    await step(() => admin.end());
  });
  if (!reuse) await admin.unsafe(`create database ${dbName}`);
  it.dataDir ??= await mkdtemp(join(tmpdir(), 'unjucks-scale-'));
  const dataDir = it.dataDir;
  let generateS = 0;
  if (reuse) {
    [{ n }] = await sql`select count(*)::int as n from packages where name like 'scale-%'`;
  } else {
    // A first start migrates the database and creates the admin; the rows go in while it is down.
    it.server = startServer(dbUrl.toString(), dataDir);
    await it.server.ready;
    await it.server.stop();
    const g0 = performance.now();
    await generate(sql, n, PER_PACKAGE);
    generateS = (performance.now() - g0) / 1000;
  }
  const [{ versions }] = await sql`select count(*)::int as versions from versions`;
  console.error(`${n} packages, ${versions} versions generated in ${generateS.toFixed(1)} s`);
  // SCALE_DOCUMENTS=0 measures a registry none of whose documents were stored yet (every cold read loads).
  const documentsS = process.env.SCALE_DOCUMENTS === '0' ? 0 : await storeDocuments(dbUrl.toString(), dataDir);
  if (documentsS) console.error(`documents stored in ${documentsS.toFixed(1)} s`);

  it.server = startServer(dbUrl.toString(), dataDir);
  const { url, log, startMs } = await it.server.ready;
  const pid = it.server.proc.pid;
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  return {
    n,
    versions,
    generateS,
    startMs,
    engine: /search answered by Postgres/.test(log) ? 'postgres' : 'memory',
    url,
    pid,
    auth: { authorization: `Bearer ${token}` },
    rssReady: rss(pid),
    memory: { ready: await memoryOf(url, pid) },
    cpu: { read: () => cpuOf(sql, dbName, pid), since: (b) => cpuSince(sql, dbName, pid, b) },
  };
}

// Abbreviated packuments as npm asks, and the native document, alternately over random packages.
const readOf = (r, name) => (i) =>
  i % 2 ? get(`${r.url}/${name(i)}`, { ...r.auth, accept: 'application/vnd.npm.install-v1+json' }) : get(`${r.url}/api/v1/packages/${name(i)}`, r.auth);
// At least 1,000 distinct queries (two words each), so the result cache is not what is measured.
const workloads = {
  // Uniform over all packages: at 100,000 mostly cold reads, which no bounded cache holds.
  metadata: (r) => readOf(r, (i) => `scale-${pick(((i * 7919) % r.n) + 1, 0)}-${((i * 7919) % r.n) + 1}`),
  // The same reads over the first 1,000 packages only: at 1,000 packages this is the workload
  // above, so it tells whether size alone slows a read.
  metadataHot: (r) => readOf(r, (i) => `scale-${pick(((i * 7919) % 1000) + 1, 0)}-${((i * 7919) % 1000) + 1}`),
  search: (r) => (i) => get(`${r.url}/api/v1/search?q=${encodeURIComponent(query(i))}`, r.auth),
};

/**
 * Runs a workload on every size, alternating between them ROUNDS times (in order, then in reverse:
 * A B B A, so a steady drift weighs on each alike); pooled per size. Each round carries on from the
 * requests the size's previous round made.
 */
async function alternate(ready, workload) {
  const rounds = ready.map(() => []);
  const offsets = ready.map(() => 0);
  for (let k = 0; k < ROUNDS; k++) {
    const order = [...ready.keys()];
    if (k % 2) order.reverse();
    for (const j of order) {
      const r = ready[j];
      const round = await load(workloads[workload](r), r.cpu, { seconds: SECONDS / ROUNDS, requests: Math.ceil(REQUESTS / ROUNDS), offset: offsets[j] });
      offsets[j] += round.done;
      rounds[j].push(round);
    }
  }
  return rounds.map(pool);
}

const none = { p50: Number.NaN, p99: Number.NaN, errors: 0, cpu: null };
const results = [];
const cleanup = [];
/** Each kept database and data directory, as SCALE_REUSE takes them. */
const kept = [];
try {
  // Every size up first (generation and start-up are timed alone), then measured together.
  const ready = [];
  for (const [k, n] of SIZES.entries()) ready.push(await prepare(n, cleanup, REUSED?.[k]));
  const metadata = WORKLOADS.includes('metadata') ? await alternate(ready, 'metadata') : ready.map(() => none);
  // Alternated like the others: at 1,000 packages or fewer it is the same reads as the uniform ones,
  // measured again beside the larger sizes' rounds (not compared with the block above).
  // The first 1,000 packages read before their rounds (1,000 requests: each package in
  // the one form the workload reads it in), as the uniform rounds above left them at 1,000
  // packages: this tells whether size alone slows a cached read, and without it a larger size's
  // rounds counted its first reads, each a load from the database, against the smaller size's
  // hits, and the p99 was theirs (7.2 against 3.2 ms; warmed, 2.7 against 3.0).
  // Twice: a package's first read may be answered from its stored document, without loading it into
  // the replica's memory (registry/stored-documents.ts); its second is.
  if (WORKLOADS.includes('metadata') && ready.some((r) => r.n > 1000))
    for (const r of ready) for (let twice = 0; twice < 2; twice++) await load(workloads.metadataHot(r), r.cpu, { seconds: 60, requests: 1000, offset: 0 });
  const hot = WORKLOADS.includes('metadata') && ready.some((r) => r.n > 1000) ? await alternate(ready, 'metadataHot') : metadata;
  for (const r of ready) {
    r.rssMetadata = rss(r.pid);
    r.memory.metadata = await memoryOf(r.url, r.pid);
  }
  // As bench/search.mjs does: a short warm-up (JIT, and each word's first read) before measuring;
  // SCALE_SEARCH_WARMUP=0 measures from cold.
  for (const r of ready)
    for (let i = 0; WORKLOADS.includes('search') && i < Number(process.env.SCALE_SEARCH_WARMUP ?? 200); i++)
      await get(`${r.url}/api/v1/search?q=${encodeURIComponent(query(100_000 + i))}`, r.auth);
  const search = WORKLOADS.includes('search') ? await alternate(ready, 'search') : ready.map(() => none);
  for (const [j, r] of ready.entries()) {
    r.rssEnd = rss(r.pid);
    r.memory.end = await memoryOf(r.url, r.pid);
    results.push({ ...r, metadata: metadata[j], metadataHot: hot[j], search: search[j] });
  }
} finally {
  // Each size's registry stops before its database goes; each step catches its own failure.
  for (const c of cleanup.reverse()) await c();
  if (kept.length) console.error(`SCALE_REUSE="${kept.reverse().join(' ')}" measures them again`);
  agent.destroy();
}
const base = results[0];
console.table(
  results.map((r) => ({
    packages: r.n,
    versions: r.versions,
    'generate (s)': f1(r.generateS),
    'start-up to ready (s)': (r.startMs / 1000).toFixed(2),
    engine: r.engine,
    'RSS ready/after metadata/end (MB)': `${r.rssReady.toFixed(0)}/${r.rssMetadata.toFixed(0)}/${r.rssEnd.toFixed(0)}`,
    'metadata p50/p99 (ms)': `${f1(r.metadata.p50)}/${f1(r.metadata.p99)}`,
    'metadata, first 1,000 packages p50/p99 (ms)': `${f1(r.metadataHot.p50)}/${f1(r.metadataHot.p99)}`,
    'search p50/p99 (ms)': `${f1(r.search.p50)}/${f1(r.search.p99)}`,
    'CPU µs/req registry+db (metadata, first 1,000, search)': [r.metadata, r.metadataHot, r.search]
      .map((w) => (w.cpu ? `${w.cpu.server.toFixed(0)}+${w.cpu.db.toFixed(0)}` : '-'))
      .join(', '),
    'p99 vs first (metadata, first 1,000, search)': `${(r.metadata.p99 / base.metadata.p99).toFixed(2)}x, ${(r.metadataHot.p99 / base.metadataHot.p99).toFixed(2)}x, ${(r.search.p99 / base.search.p99).toFixed(2)}x`,
    errors: r.metadata.errors + r.metadataHot.errors + r.search.errors,
  })),
);
// Where the memory is (MB), at each point RSS is measured: heap committed and used at the last GC,
// new space committed, old space used/committed, external (Buffers), anonymous and file RSS.
console.table(
  results.flatMap((r) =>
    Object.entries(r.memory).map(([at, m]) => ({
      packages: r.n,
      at,
      'heap total/used': `${m.heapTotal.toFixed(0)}/${m.heapUsed.toFixed(0)}`,
      'new space': m.newSpace.toFixed(0),
      'old space used/total': m.oldSpace,
      external: m.external.toFixed(0),
      'anonymous/file RSS': `${m.anon.toFixed(0)}/${m.file.toFixed(0)}`,
      threads: m.threads,
    })),
  ),
);
