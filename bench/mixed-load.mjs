#!/usr/bin/env node
// Mixed load against two replicas on one Postgres and one S3 (s3rver): metadata GETs, tarball GETs,
// searches and publishes at concurrency 16, for BENCH_SECONDS (default 60) per phase. Reports
// throughput, p50/p99 per kind, errors (must be 0) and each replica's RSS at start and end.
// Two phases, so that one run says how much publishes slow the reads (the target: at most 20 %):
//  1. reads only: the publish share of the mix is metadata GETs;
//  2. with publishes, one of two ways:
//     - closed loop (default): 5 % of the 16 workers' requests are publishes. A worker waits for
//       its publish, so publishes run as fast as the machine takes them (~80 a second on 2 cores):
//       this measures a machine saturated by publishes, where reads lose what publishes cost in CPU;
//     - PUBLISH_RATE=n: the 16 workers only read, and one more client publishes n versions a second
//       on a schedule (a slow publish delays the next, none is skipped), alternating the replicas:
//       what readers see on a registry that publishes steadily.
// BENCH_PUBLISHES=0 runs the reads-only phase alone.
// BENCH_ROUNDS=n alternates the two phases n times (BENCH_SECONDS/n each, A B B A ...) and pools
// each one's rounds: what this shared machine does meanwhile then weighs on both alike. Each
// round's first second settles uncounted, and each round's pair is printed too.
// Where the slowdown comes from (paced mode):
//  - READ_RATE=n: the 16 workers send n reads a second between them on a schedule (open loop)
//    instead of as fast as answers come, so the machine has headroom; a read's latency counts from
//    when it was due, so a server that stalls cannot hide it by slowing the senders down;
//  - PUBLISHER=separate: a third replica takes every publish and serves no reads;
//  - PUBLISH_PACKAGES=unread: publishes go to packages no worker reads (no snapshot of a read
//    package is invalidated).
// Each phase also prints the machine's CPU by process (and each replica's main thread, its event loop), and with paced publishes and open-loop reads,
// the difference per publish (read it at PUBLISH_RATE=10 or more: at 2 a second it is within the
// phases' noise, and comes out negative as often as not).
//   pnpm bench:mixed      (BENCH_DATABASE_URL defaults to the local Postgres)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { metricsText } from './lib/metrics-text.mjs';
import { tarball } from './lib/tarball.mjs';

const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 60), 120);
const roundsWanted = Math.floor(Number(process.env.BENCH_ROUNDS ?? 1));
const ROUNDS = Number.isFinite(roundsWanted) ? Math.max(1, Math.min(roundsWanted, 20)) : 1;
// With rounds, each phase's first second (a fifth of a short one) is read but not counted: a
// reads-only round right after a publishing one would otherwise reload the snapshots those
// publishes left stale, a cost of the publishes counted against the reads alone.
const SETTLE_MS = ROUNDS > 1 ? Math.min(1000, (SECONDS * 1000) / ROUNDS / 5) : 0;
/** The seconds whose requests are counted, for rates. */
const COUNTED_SECONDS = SECONDS - (ROUNDS * SETTLE_MS) / 1000;
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// SERVER_BIN: another build's cli.js, for A/B runs (as bench/publish-time.mjs takes it).
const SERVER_BIN = process.env.SERVER_BIN ?? fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const PACKAGES = 20;
const PUBLISHES = process.env.BENCH_PUBLISHES !== '0';
const PUBLISH_RATE = process.env.PUBLISH_RATE ? Math.min(Number(process.env.PUBLISH_RATE), 100) : null;
const READ_RATE = process.env.READ_RATE ? Number(process.env.READ_RATE) : null;
const SEPARATE_PUBLISHER = process.env.PUBLISHER === 'separate';
const UNREAD = process.env.PUBLISH_PACKAGES === 'unread';
if ((SEPARATE_PUBLISHER || UNREAD) && PUBLISH_RATE === null) {
  console.error('PUBLISHER=separate and PUBLISH_PACKAGES=unread need PUBLISH_RATE=n (paced publishes)');
  process.exit(1);
}

const pkg = (name, version) =>
  tarball([
    [
      'package/package.json',
      JSON.stringify({
        name,
        version,
        description: `${name} templates for services`,
        keywords: ['bench'],
        unjucks: {
          generators: {
            service: {
              description: 'services',
              templates: { rest: { description: 'REST service', variables: { properties: { name: { type: 'string', description: 'name' } } } } },
            },
          },
        },
      }),
    ],
    ['package/README.md', `# ${name}\n`],
    ['package/_templates/service/rest/index.njk', `---\nto: src/{{ name }}.ts\n---\nexport const v = '${version}';\n${'// line\n'.repeat(200)}`],
  ]);

/** CPU seconds each process has used, by pid, with what it is: Postgres's processes under one name. */
function cpuByProcess() {
  const m = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // The main thread alone (its task has the process's id): a replica's event loop, where reads
      // wait. Read for every process, not by name: node may run under another (nodejs, node20).
      const task = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
      const own = task.slice(task.lastIndexOf(')') + 2).split(' ');
      m.set(pid, { comm, seconds: (Number(fields[11]) + Number(fields[12])) / 100, main: (Number(own[11]) + Number(own[12])) / 100 });
    } catch {
      // Gone while listed.
    }
  }
  return m;
}

const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const phases = {};
function request(method, url, body, headers = {}) {
  return new Promise((resolve) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        // Where a publish's server time went (its Server-Timing phases), summed up after the run.
        if (method === 'POST')
          for (const part of (res.headers['server-timing'] ?? '').split(',')) {
            const m = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
            if (m) (phases[m[1]] ??= []).push(Number(m[2]));
          }
        resolve(res.statusCode);
      });
    });
    // The error's code (ECONNRESET...) in place of a status, so the report says which failure it was.
    req.on('error', (e) => resolve(e.code ?? 0));
    req.end(body);
  });
}

/**
 * A replica's runtime figures from its /metrics (prom-client's): the event loop delay's p99 and max
 * since the previous scrape (`lag`), and counters so far, read as rates per phase (`counters`):
 * database queries, cache misses by cache, and garbage collection by kind (pause ms, collections).
 * A publish allocates its tarball, files and reports on the event loop that serves reads:
 * collecting them, and any long stretch of its work, holds those reads up.
 */
async function runtimeOf(url) {
  const text = await metricsText(url, agent);
  const lag = {};
  // prom-client resets its event loop delay histogram at each scrape: these are since the last one.
  for (const q of ['p99', 'max']) {
    const m = new RegExp(`^unjucks_nodejs_eventloop_lag_${q}_seconds (\\S+)`, 'm').exec(text);
    if (m) lag[q] = Number(m[1]) * 1000;
  }
  const counters = { 'db queries': Number(/^unjucks_db_queries_total (\S+)/m.exec(text)?.[1] ?? 0) };
  for (const m of text.matchAll(/^unjucks_cache_requests_total\{cache="([\w-]+)",result="miss"\} (\S+)/gm)) counters[`${m[1]} cache misses`] = Number(m[2]);
  for (const m of text.matchAll(/^unjucks_nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} (\S+)/gm))
    counters[m[1] === 'sum' ? `${m[2]} GC pause ms` : `${m[2]} GCs`] = m[1] === 'sum' ? Number(m[3]) * 1000 : Number(m[3]);
  return { lag, counters };
}

const dbName = `unjucks_mixed_${Date.now()}`;
const admin = postgres(BASE_URL, { max: 1, onnotice: () => undefined });
await admin.unsafe(`create database ${dbName}`);
const dbUrl = new URL(BASE_URL);
dbUrl.pathname = `/${dbName}`;
const s3dir = await mkdtemp(join(tmpdir(), 'unjucks-mixed-s3-'));
const s3 = spawn(process.execPath, [fileURLToPath(new URL('./lib/s3rver-process.mjs', import.meta.url)), s3dir, 'mixed'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const s3port = await new Promise((resolve, reject) => {
  let out = '';
  s3.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  s3.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
});
const dirs = [];
const replicas = [];
try {
  for (let i = 0; i < (SEPARATE_PUBLISHER ? 3 : 2); i++) {
    const dataDir = await mkdtemp(join(tmpdir(), 'unjucks-mixed-'));
    dirs.push(dataDir);
    const env = {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: dbUrl.toString(),
      S3_BUCKET: 'mixed',
      S3_ENDPOINT: `http://127.0.0.1:${s3port}`,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SIGNING_KEY_SECRET: process.env.SIGNING_KEY_SECRET ?? 'mixed-bench-signing-key-secret-0123456789abcdef',
      // One trusted load generator on one address: rate limits would measure themselves.
      RATE_LIMIT_IP_PER_MINUTE: '0',
      RATE_LIMIT_TOKEN_PER_MINUTE: '0',
    };
    // SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the replicas.
    const nodeArgs = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const proc = spawn(process.execPath, [...nodeArgs, SERVER_BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise((resolve) => {
      let out = '';
      const onData = (d) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (!m) return;
        // From here on the request logs are only drained, not kept.
        proc.stdout.off('data', onData);
        proc.stdout.resume();
        resolve(m[1]);
      };
      proc.stdout.on('data', onData);
    });
    replicas.push({ proc, url, dataDir });
    // The second replica starts on a database the first bootstrapped.
  }
  const token = (await readFile(join(replicas[0].dataDir, 'admin.token'), 'utf8')).trim();
  const auth = { authorization: `Bearer ${token}` };
  for (let p = 0; p < PACKAGES; p++) await request('POST', `${replicas[0].url}/api/v1/packages`, pkg(`mixed-${p}`, '1.0.0'), auth);
  const rssStart = replicas.map((r) => rss(r.proc.pid));

  const READS = ['metadata GET', 'tarball GET', 'search'];
  // Tarballs are made before the phase (gzip in this process would hold up the readers' responses),
  // each package's versions counting from 1.1.0.
  const made = Array.from({ length: PACKAGES }, () => []);
  const published = Array(PACKAGES).fill(0);
  const make = (p, count) => {
    // Unread packages are created by their first publish (1.0.0); the read ones exist already.
    const version = () => (UNREAD && made[p].length === 0 ? '1.0.0' : `1.${made[p].length + 1}.0`);
    while (made[p].length < count) made[p].push(pkg(UNREAD ? `unread-${p}` : `mixed-${p}`, version()));
  };
  const publishOne = (base, p) => {
    const k = published[p]++;
    make(p, k + 1);
    return request('POST', `${base}/api/v1/packages`, made[p][k], auth);
  };
  // One phase of SECONDS: 16 workers, with `share` closed-loop publishes in their mix, or a paced publisher at `rate` a second.
  const phase = async ({ share, rate, seconds = SECONDS }) => {
    const stats = {};
    const failures = {};
    const record = (kind, ms, status, sentAt = recordFrom) => {
      // A read sent while the round settles is not counted (see SETTLE_MS).
      if (sentAt < recordFrom) return;
      const s = (stats[kind] ??= { latencies: [], errors: 0 });
      s.latencies.push(ms);
      if (status !== 200 && status !== 201) {
        s.errors++;
        failures[`${kind} ${status}`] = (failures[`${kind} ${status}`] ?? 0) + 1;
      }
    };
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const recordFrom = start + SETTLE_MS;
    // Open loop: worker w sends every 16/READ_RATE seconds, the workers' schedules staggered.
    const every = READ_RATE ? (16 * 1000) / READ_RATE : 0;
    const workers = Array.from({ length: 16 }, async (_, w) => {
      let due = start + (w * every) / 16;
      for (let i = w; performance.now() < deadline; i++) {
        let sent = null;
        if (every) {
          due += every;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((res) => setTimeout(res, wait));
          // A timer may fire a little early; a late send counts from when it was due.
          sent = Math.min(due, performance.now());
        }
        const base = replicas[i % 2].url;
        // Each replica reads every package: with i % PACKAGES (PACKAGES even) a replica read only the
        // packages of its own parity, which the paced publisher (replica n % 2, package n % PACKAGES)
        // published on that same replica, so no read ever followed another replica's publish.
        const p = Math.floor(i / 2) % PACKAGES;
        const roll = (i * 7919) % 100;
        const t0 = performance.now();
        let kind;
        let status;
        if (roll < 60) (kind = 'metadata GET'), (status = await request('GET', `${base}/api/v1/packages/mixed-${p}`));
        else if (roll < 80) (kind = 'tarball GET'), (status = await request('GET', `${base}/api/v1/packages/mixed-${p}/-/mixed-${p}-1.0.0.tgz`));
        else if (roll < 95)
          (kind = 'search'),
            (status = await request('GET', `${base}/api/v1/search?q=${encodeURIComponent(['rest service', 'mixed', 'services templates', 'bench'][i % 4])}`));
        else if (!share) (kind = 'metadata GET'), (status = await request('GET', `${base}/api/v1/packages/mixed-${p}`));
        else (kind = 'publish'), (status = await publishOne(base, p));
        record(kind, performance.now() - (sent ?? t0), status, sent ?? t0);
      }
    });
    const publisher = rate
      ? (async () => {
          for (let n = 0, slot = performance.now(); performance.now() < deadline; n++, slot += 1000 / rate) {
            const wait = slot - performance.now();
            if (wait > 0) await new Promise((res) => setTimeout(res, wait));
            if (performance.now() >= deadline) break;
            const t0 = performance.now();
            const status = await publishOne(replicas[SEPARATE_PUBLISHER ? 2 : n % 2].url, n % PACKAGES);
            record('publish', performance.now() - t0, status);
          }
        })()
      : Promise.resolve();
    const cpuBefore = cpuByProcess();
    const runtimeBefore = await Promise.all(replicas.map((r) => runtimeOf(r.url)));
    const runtimeFrom = performance.now();
    await Promise.all([...workers, publisher]);
    const cpu = cpuSince(cpuBefore, (performance.now() - start) / 1000);
    const runtimeAfter = await Promise.all(replicas.map((r) => runtimeOf(r.url)));
    // The scrapes' own window: the phase's in-flight tail (a slow publish) is in it.
    const runtimeSeconds = (performance.now() - runtimeFrom) / 1000;
    // Per replica: the delay over the phase, and each counter's rate a second.
    const lag = {};
    const counts = {};
    replicas.forEach((_, r) => {
      for (const [q, ms] of Object.entries(runtimeAfter[r].lag)) lag[`replica ${r + 1}, ${q}`] = ms;
      for (const [name, now] of Object.entries(runtimeAfter[r].counters))
        counts[`replica ${r + 1}, ${name}`] = (now - (runtimeBefore[r].counters[name] ?? 0)) / runtimeSeconds;
    });
    return { stats, failures, cpu, lag, counts };
  };
  // Cores busy by process during a phase: each replica, S3, Postgres (all its processes), this load generator, the rest.
  const cpuSince = (before, seconds) => {
    const roles = {};
    const roleOf = (pid, comm) => {
      const r = replicas.findIndex((x) => String(x.proc.pid) === pid);
      if (r >= 0) return `replica ${r + 1}${SEPARATE_PUBLISHER && r === 2 ? ' (publishes)' : ''}`;
      if (pid === String(s3.pid)) return 's3rver';
      if (pid === String(process.pid)) return 'load generator';
      return comm === 'postgres' ? 'postgres' : 'other';
    };
    for (const [pid, now] of cpuByProcess()) {
      const used = now.seconds - (before.get(pid)?.seconds ?? 0);
      const role = roleOf(pid, now.comm);
      if (used > 0) roles[role] = (roles[role] ?? 0) + used / seconds;
      if (role.startsWith('replica')) roles[`${role}, event loop`] = (now.main - (before.get(pid)?.main ?? 0)) / seconds;
    }
    return roles;
  };
  // One condition's rounds as one phase: latencies and errors together, rates averaged, the worst delay.
  const pooled = (parts) => {
    const out = { stats: {}, failures: {}, cpu: {}, lag: {}, counts: {} };
    for (const p of parts) {
      for (const [k, s] of Object.entries(p.stats)) {
        const m = (out.stats[k] ??= { latencies: [], errors: 0 });
        for (const ms of s.latencies) m.latencies.push(ms);
        m.errors += s.errors;
      }
      for (const [k, n] of Object.entries(p.failures)) out.failures[k] = (out.failures[k] ?? 0) + n;
      for (const [k, v] of Object.entries(p.cpu)) out.cpu[k] = (out.cpu[k] ?? 0) + v / parts.length;
      for (const [k, v] of Object.entries(p.counts)) out.counts[k] = (out.counts[k] ?? 0) + v / parts.length;
      for (const [k, v] of Object.entries(p.lag)) out.lag[k] = k.endsWith('max') ? Math.max(out.lag[k] ?? 0, v) : (out.lag[k] ?? 0) + v / parts.length;
    }
    return out;
  };
  const pct = (sorted, q) => sorted[Math.floor((q / 100) * (sorted.length - 1))];
  const report = (label, { stats, failures }) => {
    const rows = Object.entries(stats).map(([kind, s]) => {
      s.latencies.sort((a, b) => a - b);
      const at = (q) => pct(s.latencies, q).toFixed(1);
      return {
        kind,
        requests: s.latencies.length,
        rps: Math.round(s.latencies.length / COUNTED_SECONDS),
        'p50 (ms)': at(50),
        'p99 (ms)': at(99),
        errors: s.errors,
      };
    });
    const total = rows.reduce((n, r) => n + r.requests, 0);
    console.log(
      `${label}: ${SECONDS} s, concurrency 16${READ_RATE ? ` (${READ_RATE} reads a second, open loop)` : ''}, two replicas${SEPARATE_PUBLISHER ? ' (publishes on a third)' : ''}: ${total} requests, ${Math.round(total / COUNTED_SECONDS)} rps, ${rows.reduce((n, r) => n + r.errors, 0)} errors`,
    );
    console.table(rows);
    if (Object.keys(failures).length) console.log('errors by kind and status:', failures);
  };

  // Unrecorded reads first: the first phase would otherwise pay for the JIT and the cold caches.
  await phase({ share: false, rate: null, seconds: Math.min(5, SECONDS / 4) });
  const before = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, v.length]));
  // As many as the phases can take: the paced rate, or what 2 cores managed in the closed loop (~80 a second).
  if (PUBLISHES) {
    const expected = Math.ceil(((PUBLISH_RATE ?? 120) * SECONDS) / PACKAGES) + 1;
    for (let p = 0; p < PACKAGES; p++) make(p, expected);
  }
  // BENCH_ROUNDS=n: the two phases alternate n times, SECONDS/n each, and each condition's rounds
  // are pooled. This machine's speed drifts (other tenants) by as much as publishes move a p99, and
  // alternating gives both conditions the same share of the drift.
  // In A B B A order (odd rounds publish first), so a steady drift weighs on both alike too.
  const rounds = { alone: [], mixed: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const alone = () => phase({ share: false, rate: null, seconds: SECONDS / ROUNDS });
    const mixed = () => phase({ share: PUBLISH_RATE === null, rate: PUBLISH_RATE, seconds: SECONDS / ROUNDS });
    if (PUBLISHES && r % 2) rounds.mixed.push(await mixed());
    rounds.alone.push(await alone());
    if (PUBLISHES && !(r % 2)) rounds.mixed.push(await mixed());
  }
  const alone = pooled(rounds.alone);
  report(`reads only${ROUNDS > 1 ? ` (${ROUNDS} rounds)` : ''}`, alone);
  if (PUBLISHES) {
    const mixed = pooled(rounds.mixed);
    report(PUBLISH_RATE === null ? 'with publishes (5 % of requests, closed loop)' : `with publishes (${PUBLISH_RATE} a second, paced)`, mixed);
    const reads = (r, kinds) => kinds.flatMap((k) => r.stats[k]?.latencies ?? []).sort((a, b) => a - b);
    const slower = (a, b, q) => `${((pct(b, q) / pct(a, q) - 1) * 100).toFixed(0)} %`;
    if (ROUNDS > 1) {
      // Each round's pair apart: how far the pooled figure is from what one round says.
      console.log('all reads by round (p50 and p99, ms), reads only and with publishes:');
      console.table(
        rounds.alone.map((a, r) => {
          const [x, y] = [reads(a, READS), reads(rounds.mixed[r], READS)];
          return {
            round: r + 1,
            'p50 alone': pct(x, 50).toFixed(2),
            'p50 with': pct(y, 50).toFixed(2),
            'p99 alone': pct(x, 99).toFixed(2),
            'p99 with': pct(y, 99).toFixed(2),
            'p99 +': slower(x, y, 99),
          };
        }),
      );
    }
    console.log('reads slowed by publishes (target: at most 20 %):');
    console.table(
      Object.fromEntries(
        [...READS.map((k) => [k, [k]]), ['all reads', READS]].map(([label, kinds]) => {
          const [a, b] = [reads(alone, kinds), reads(mixed, kinds)];
          return [
            label,
            {
              'p50 alone': pct(a, 50).toFixed(2),
              'p50 with': pct(b, 50).toFixed(2),
              'p50 +': slower(a, b, 50),
              'p99 alone': pct(a, 99).toFixed(2),
              'p99 with': pct(b, 99).toFixed(2),
              'p99 +': slower(a, b, 99),
            },
          ];
        }),
      ),
    );
    // This phase's publishes only: the set-up's are left out.
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const ran = Object.entries(phases)
      .map(([k, v]) => [k, v.slice(before[k] ?? 0)])
      .filter(([, v]) => v.length);
    if (ran.length) {
      console.log("publish server time by phase (Server-Timing), this phase's publishes:");
      console.table(Object.fromEntries(ran.map(([k, v]) => [k, { 'p50 (ms)': median(v).toFixed(1) }])));
    }
    // With paced publishes and open-loop reads, both phases read as much, so the difference is the publishes'.
    const perPublish = PUBLISH_RATE !== null && READ_RATE !== null;
    console.log(`machine CPU by process (cores busy${perPublish ? '; the difference in ms per publish' : ''}):`);
    console.table(
      Object.fromEntries(
        [...new Set([...Object.keys(alone.cpu), ...Object.keys(mixed.cpu)])].sort().map((role) => {
          const [a, b] = [alone.cpu[role] ?? 0, mixed.cpu[role] ?? 0];
          const row = { 'reads only': a.toFixed(3), 'with publishes': b.toFixed(3) };
          if (perPublish) row['ms per publish'] = (((b - a) * 1000) / PUBLISH_RATE).toFixed(2);
          return [role, row];
        }),
      ),
    );
    // Event loop delay (prom-client's, sampled every 10 ms, so ~10 ms is its floor): a publish's work
    // on a reading replica's event loop shows here as the reads it holds up.
    console.log('event loop delay by replica, over each phase (ms):');
    console.table(
      Object.fromEntries(
        Object.keys({ ...alone.lag, ...mixed.lag }).map((k) => [k, { 'reads only': alone.lag[k]?.toFixed(1), 'with publishes': mixed.lag[k]?.toFixed(1) }]),
      ),
    );
    console.log('database queries, cache misses and garbage collection by replica (a second):');
    console.table(
      Object.fromEntries(
        Object.keys({ ...alone.counts, ...mixed.counts })
          .sort()
          .map((k) => [k, { 'reads only': (alone.counts[k] ?? 0).toFixed(2), 'with publishes': (mixed.counts[k] ?? 0).toFixed(2) }]),
      ),
    );
  }
  const rssEnd = replicas.map((r) => rss(r.proc.pid));
  console.table(replicas.map((r, i) => ({ replica: i + 1, 'RSS start (MB)': rssStart[i].toFixed(0), 'RSS end (MB)': rssEnd[i].toFixed(0) })));
} finally {
  agent.destroy();
  for (const r of replicas) {
    r.proc.kill('SIGTERM');
    await new Promise((res) => r.proc.once('exit', res));
  }
  s3.kill('SIGTERM');
  if (s3.exitCode === null) await new Promise((res) => s3.once('exit', res));
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  for (const d of [...dirs, s3dir]) await rm(d, { recursive: true, force: true });
}
