import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../db/database.js';
import { packages, users } from '../db/schema.js';
import { touchPackage } from '../registry/lookup.js';
import { searchDocOf, HEROES } from '../../../../test/fixtures/search-corpus.js';
import { parseQuery } from './query.js';
import { storeSearchDocuments } from './store.js';
import { SearchSync } from './sync.js';

// A publish refreshes the writing replica's index after its commit, and the write's notification
// asks for the same refresh: the two must load the package once, whichever comes first, and the
// index must hold the write either way. Counted with the client's query hook, on real Postgres
// (the notification comes back on the listening connection as it does between replicas).
describe.runIf(!!process.env.TEST_DATABASE_URL)('SearchSync: one load per write on the writing replica', () => {
  const name = `unjucks_sync_${randomBytes(5).toString('hex')}`;
  const admin = postgres(process.env.TEST_DATABASE_URL ?? 'postgres://invalid', { max: 1, onnotice: () => undefined });
  let database: Database;
  let sync: SearchSync;
  let queries = 0;
  let id = 0;

  /** Resolves once no query has run for `quietMs` (the notification's refresh, if any, is done). */
  async function settled(quietMs = 300) {
    let last = -1;
    while (last !== queries) {
      last = queries;
      await new Promise((r) => setTimeout(r, quietMs));
      await sync.settled();
    }
    return queries;
  }
  /** A visible change to the package, committed, its notification carrying `write` when given. */
  const touch = (write?: string) => database.db.transaction((tx) => touchPackage(tx, id, true, write));
  const answer = async (s: SearchSync) => {
    const { total, hits } = await s.engine.search(parseQuery('sync-kit'), { size: 5, from: 0 });
    return { total, hits: hits.map((h) => h.doc) };
  };

  beforeAll(async () => {
    await admin.unsafe(`create database ${name}`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    database = await openPostgres(url.toString(), () => queries++);
    await database.migrate();
    const [owner] = await database.db.insert(users).values({ name: 'admin' }).returning({ id: users.id });
    const [row] = await database.db
      .insert(packages)
      .values({ name: 'sync-kit', canonicalName: 'synckit', createdBy: owner!.id })
      .returning({ id: packages.id });
    id = row!.id;
    await storeSearchDocuments(database.db, [{ ...searchDocOf({ ...HEROES[0]!, name: 'sync-kit' }, id), id }]);
    sync = await SearchSync.open(database, { engine: 'memory', maxPackages: 1000, cacheEntries: 0 }, () => undefined);
    await sync.start();
  });
  afterAll(async () => {
    await sync?.stop();
    await database?.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('loads once when the writer refreshes first, and once when the notice comes first', async () => {
    // One refresh's cost, alone.
    let before = await settled();
    await sync.refresh([id]);
    const load = (await settled()) - before;
    expect(load).toBeGreaterThan(0);

    // Without a write id both refresh: the writer's and the notification's.
    before = await settled();
    await touch();
    await sync.refresh([id]);
    const twice = (await settled()) - before;

    // The writer first: the notification's refresh is skipped.
    before = await settled();
    await touch('write-own-first');
    await sync.refresh([id], 'write-own-first');
    expect((await settled()) - before).toBe(twice - load);

    // The notification first: the writer's refresh waits for it instead of loading again.
    before = await settled();
    await touch('write-notice-first');
    const heard = await settled();
    await sync.refresh([id], 'write-notice-first');
    expect(queries).toBe(heard);
    expect(heard - before).toBe(twice - load);
    // And the index holds what Postgres holds: a replica starting now answers the same.
    const fresh = await SearchSync.open(database, { engine: 'memory', maxPackages: 1000, cacheEntries: 0 }, () => undefined);
    await fresh.start();
    try {
      expect(await answer(sync)).toEqual(await answer(fresh));
    } finally {
      await fresh.stop();
    }
  });

  it('still loads for a write id it has not seen (another replica’s, or a lost notice)', async () => {
    const before = await settled();
    await sync.refresh([id], 'write-never-notified');
    expect((await settled()) - before).toBeGreaterThan(0);
  });
});
