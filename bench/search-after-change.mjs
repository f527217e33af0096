#!/usr/bin/env node
// Searches on the Postgres engine right after a change to one package, as every replica answers
// them after any publish anywhere in the registry: the engine's kept postings are either all
// dropped (as a rebuild does) or only the lists the change reaches (what a change notice does).
// Run against a database kept by bench/scale.mjs:
//   SCALE_KEEP=1 SCALE_PACKAGES=100000 pnpm bench:scale      (prints SCALE_REUSE=<database>:<dir>)
//   node bench/search-after-change.mjs <database> [CHANGES=5] [SEARCHES=300]
// Each round: SEARCHES distinct two-word queries (the scale bench's) after a change, timed in
// process (p50, p99, total), for CHANGES changes, alternating the two ways.
import { openPostgres } from '../packages/server/dist/db/database.js';
import { PostgresSearch } from '../packages/server/dist/search/postgres-search.js';
import { parseQuery } from '../packages/server/dist/search/query.js';
import { query } from './lib/scale-words.mjs';

const [database, changesArg, searchesArg] = process.argv.slice(2);
if (!database) {
  console.error('usage: search-after-change.mjs <database kept by bench/scale.mjs> [changes] [searches]');
  process.exit(2);
}
const CHANGES = Number(changesArg ?? 5);
const SEARCHES = Number(searchesArg ?? 300);
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const db = await openPostgres(base.replace(/\/[^/]*$/, `/${database}`));
try {
  const engine = new PostgresSearch(db.db);
  await engine.loadDownloads();
  const ids = (await db.db.execute('select package_id as id from search_documents order by random() limit 100')).map((r) => Number(r.id));
  let next = 0;
  const searches = async () => {
    const ms = [];
    const t0 = performance.now();
    for (let i = 0; i < SEARCHES; i++, next++) {
      const t = performance.now();
      await engine.search(parseQuery(query(next)), { size: 20, from: 0 });
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return { total: performance.now() - t0, p50: ms[ms.length >> 1], p99: ms[Math.floor(ms.length * 0.99)] };
  };
  // Every word read once (JIT and each word's postings), as a warm replica has them.
  for (let i = 0; i < 3; i++) await searches();
  const rows = { 'no change (warm)': [], 'all postings dropped': [], 'one package changed': [] };
  rows['no change (warm)'].push(await searches());
  for (let c = 0; c < CHANGES; c++)
    for (const way of c % 2 ? ['one package changed', 'all postings dropped'] : ['all postings dropped', 'one package changed']) {
      way === 'all postings dropped' ? engine.changed() : engine.changed([ids[c % ids.length]]);
      rows[way].push(await searches());
    }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const table = {};
  for (const [way, runs] of Object.entries(rows))
    table[way] = {
      runs: runs.length,
      [`${SEARCHES} searches, total ms`]: median(runs.map((r) => r.total)).toFixed(0),
      'p50 ms': median(runs.map((r) => r.p50)).toFixed(2),
      'p99 ms': median(runs.map((r) => r.p99)).toFixed(2),
    };
  console.log(`the ${SEARCHES} searches after each change, ${database} (medians over the changes):`);
  console.table(table);
} finally {
  await db.close();
}
