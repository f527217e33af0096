#!/usr/bin/env node
// Search quality: nDCG@10 over the graded corpus in test/fixtures/search-quality.ts, per engine.
//   pnpm -s build && node bench/search-quality.mjs        (BENCH_DATABASE_URL for the postgres engine;
//                                                           SEARCH_QUALITY_ENGINES=memory,postgres)
// Prints the figure per engine and the queries that score lowest.
import { build } from 'esbuild';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import postgres from 'postgres';
import * as server from '../packages/server/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ENGINES = (process.env.SEARCH_QUALITY_ENGINES ?? 'memory,postgres').split(',');

// The corpus is TypeScript (the tests import it); bundle it to a temporary module. Packages stay
// imports (@unjucks/core does not bundle), so the module is written where they resolve.
await mkdir(join(root, 'node_modules/.cache'), { recursive: true });
const dir = await mkdtemp(join(root, 'node_modules/.cache/search-quality-'));
const out = join(dir, 'corpus.mjs');
await build({
  entryPoints: [join(root, 'test/fixtures/search-quality.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  packages: 'external',
  outfile: out,
  logLevel: 'error',
});
const { QUALITY_PACKAGES, QUALITY_QUERIES, ndcg, searchDocOf } = await import(pathToFileURL(out).href);
await rm(dir, { recursive: true, force: true });

const docs = QUALITY_PACKAGES.map((p, i) => searchDocOf(p, i + 1));
const downloads = new Map(QUALITY_PACKAGES.map((p, i) => [i + 1, p.downloads]));

async function engineFor(kind) {
  if (kind === 'memory') {
    const index = new server.SearchIndex(0);
    index.rebuild(docs, downloads);
    return { search: async (q) => index.search(server.parseQuery(q), { size: 10, from: 0 }).hits.map((h) => h.doc.name), close: async () => undefined };
  }
  if (!server.PostgresSearch) throw new Error('this build has no postgres search engine');
  // A fresh database with the corpus's packages and their stored search documents.
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `search_quality_${process.pid}`;
  const admin = postgres(base, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).href;
  const database = await server.openDatabase({ databaseUrl: url, dataDir: tmpdir(), holder: 'bench' });
  await database.migrate();
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  const [{ id: owner }] = await sql`insert into users (name) values ('admin') returning id`;
  const rows =
    await sql`insert into packages ${sql(docs.map((d) => ({ name: d.name, canonical_name: d.name.replace(/[._-]/g, ''), created_by: owner })))} returning id, name`;
  const ids = new Map(rows.map((r) => [r.name, r.id]));
  const stored = docs.map((d) => ({ ...d, id: ids.get(d.name) }));
  await server.storeSearchDocuments(database.db, stored);
  await sql`insert into downloads ${sql(stored.map((d, i) => ({ package_id: d.id, day: new Date().toISOString().slice(0, 10), count: downloads.get(i + 1) })))}`;
  const engine = new server.PostgresSearch(database.db);
  await engine.loadDownloads();
  return {
    search: async (q) => (await engine.search(server.parseQuery(q), { size: 10, from: 0 })).hits.map((h) => h.doc.name),
    close: async () => {
      await sql.end();
      await database.close();
      await admin.unsafe(`drop database ${name}`);
      await admin.end();
    },
  };
}

for (const kind of ENGINES) {
  let engine;
  try {
    engine = await engineFor(kind);
  } catch (e) {
    console.log(`${kind}: skipped (${e.message})`);
    continue;
  }
  const rows = [];
  for (const q of QUALITY_QUERIES) rows.push({ q: q.q, score: ndcg(await engine.search(q.q), q) });
  await engine.close();
  const mean = rows.reduce((s, r) => s + r.score, 0) / rows.length;
  console.log(`${kind}: nDCG@10 = ${mean.toFixed(3)} over ${rows.length} queries, ${docs.length} packages`);
  for (const r of rows.sort((a, b) => a.score - b.score).slice(0, 8)) console.log(`   ${r.score.toFixed(3)}  ${r.q}`);
}
