import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANGES_CHANNEL } from '../registry/lookup.js';
import { openDatabase, type Database } from '../db/database.js';
import { orgMembers, orgs, tokens, users } from '../db/schema.js';
import { bytesNow, encodedBytes, pickEncoding, readyBytes } from './encoded.js';
import { ChangeFeed } from './feed.js';
import { ReplicaCaches } from './replica-caches.js';
import { TrustedMap } from './trusted-map.js';

describe('pickEncoding', () => {
  it('prefers brotli, then gzip, and honours q=0', () => {
    expect(pickEncoding(undefined)).toBe('identity');
    expect(pickEncoding('gzip, deflate, br')).toBe('br');
    expect(pickEncoding('gzip, deflate')).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip')).toBe('gzip');
    expect(pickEncoding('gzip;q=0')).toBe('identity');
    expect(pickEncoding('*')).toBe('gzip');
    expect(pickEncoding('identity')).toBe('identity');
  });

  it('answers a repeated header as it answered it first, and a different one afresh', () => {
    for (const [header, want] of [
      ['gzip, br', 'br'],
      ['gzip, br', 'br'],
      ['gzip', 'gzip'],
      ['gzip', 'gzip'],
      ['br;q=0', 'identity'],
      ['gzip, br', 'br'],
    ] as const)
      expect(pickEncoding(header), header).toBe(want);
  });
});

describe('readyBytes', () => {
  it('has the identity bytes at once, and a compressed copy only once encodedBytes made it', async () => {
    const rendered = { text: JSON.stringify({ filler: 'x'.repeat(4000) }) };
    expect(new TextDecoder().decode(readyBytes(rendered, 'identity')!.bytes)).toBe(rendered.text);
    expect(readyBytes(rendered, 'gzip')).toBeNull();
    const made = await encodedBytes(rendered, 'gzip');
    expect(made.encoding).toBe('gzip');
    expect(gunzipSync(made.bytes).toString()).toBe(rendered.text);
    expect(readyBytes(rendered, 'gzip')).toEqual(made);
    expect(readyBytes(rendered, 'br')).toBeNull();
    // Too small to be worth compressing: sent as it is, whatever the client takes.
    expect(readyBytes({ text: '{}' }, 'br')!.encoding).toBe('identity');
  });
});

describe('bytesNow', () => {
  it('does not wait for a large document to be compressed when the client takes it otherwise, and starts it for the next reader', async () => {
    const rendered = { text: JSON.stringify({ filler: 'y'.repeat(100_000) }) };
    // Nothing made yet: the bytes as they are, while brotli is made.
    expect(bytesNow(rendered, 'gzip, deflate, br')!.encoding).toBe('identity');
    const br = await encodedBytes(rendered, 'br');
    expect(bytesNow(rendered, 'gzip, deflate, br')).toEqual(br);
    // gzip, once made, stands in for a brotli copy not made yet.
    const other = { text: JSON.stringify({ filler: 'z'.repeat(100_000) }) };
    await encodedBytes(other, 'gzip');
    expect(bytesNow(other, 'br, gzip')!.encoding).toBe('gzip');
    expect(bytesNow(other, 'br')!.encoding).toBe('identity');
  });

  it('waits for a small document, compressed sooner than it would be sent whole', async () => {
    const small = { text: JSON.stringify({ filler: 'v'.repeat(4000) }) };
    expect(bytesNow(small, 'gzip, br')).toBeNull();
    await encodedBytes(small, 'br');
    expect(bytesNow(small, 'gzip, br')!.encoding).toBe('br');
  });

  it('waits for a large document only when the client refuses the bytes as they are', async () => {
    const rendered = { text: JSON.stringify({ filler: 'w'.repeat(100_000) }) };
    expect(bytesNow(rendered, 'gzip, identity;q=0')).toBeNull();
    expect(bytesNow(rendered, 'gzip, *;q=0')).toBeNull();
    expect(bytesNow(rendered, 'gzip, identity, *;q=0')!.encoding).toBe('identity');
    // The copy was started by the first call: once made, it is what they get.
    await encodedBytes(rendered, 'gzip');
    expect(bytesNow(rendered, 'gzip, identity;q=0')!.encoding).toBe('gzip');
  });
});

// The embedded database: notifications are heard in-process, from the same triggers Postgres runs.
describe('caches told by the change feed (PGlite)', () => {
  let dir: string;
  let database: Database;
  let feed: ChangeFeed;
  let caches: ReplicaCaches;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cache-feed-'));
    database = await openDatabase({ databaseUrl: null, dataDir: dir, holder: 'test' });
    await database.migrate();
    feed = await new ChangeFeed().open(database);
    caches = new ReplicaCaches(feed);
  });
  afterAll(async () => {
    await feed.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  const counted = () => {
    let loads = 0;
    return { load: async () => ++loads, loads: () => loads };
  };

  it('serves an entry while live, and loads again once a notice may concern it', async () => {
    const map = new TrustedMap<string, number>(feed, 10);
    const c = counted();
    expect(feed.live).toBe(true);
    await map.fetch('k', c.load);
    await map.fetch('k', c.load);
    expect(c.loads()).toBe(1);
    feed.flush();
    await map.fetch('k', c.load);
    expect(c.loads()).toBe(2);
  });

  it('keeps nothing loaded while a notice arrived, nor while the feed is not live', async () => {
    const map = new TrustedMap<string, number>(feed, 10);
    const c = counted();
    await map.fetch('k', async () => {
      feed.flush(); // a notice during the load
      return c.load();
    });
    await map.fetch('k', c.load);
    expect(c.loads()).toBe(2);
    const off = new TrustedMap<string, number>(ChangeFeed.off(), 10);
    await off.fetch('k', c.load);
    await off.fetch('k', c.load);
    expect(c.loads()).toBe(4);
  });

  it("hears a write's own notice instead of a barrier, and stops trusting itself when it does not come", async () => {
    const hearing = feed.hearing('write-1');
    await database.db.execute(sql`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify({ package: 1, write: 'write-1' })})`);
    expect(await hearing.wait()).toBe(true);
    // A write that never committed: its notice never comes, and the feed is not live until a heartbeat answers.
    expect(await feed.hearing('write-2').wait()).toBe(false);
    expect(feed.live).toBe(false);
    await vi.waitFor(() => expect(feed.live).toBe(true), { timeout: 2000 });
  });

  it('drops a token row when the row is revoked, and rights when a membership changes, in-process', async () => {
    const [u] = await database.db.insert(users).values({ name: 'feed-user' }).returning({ id: users.id });
    await database.db.insert(tokens).values({ jti: 'jti-1', userId: u!.id, actions: ['read'], expiresAt: new Date(Date.now() + 3600_000) });
    const c = counted();
    await caches.tokens.fetch('jti-1', async () => (c.load(), undefined));
    await caches.tokens.fetch('jti-1', async () => (c.load(), undefined));
    expect(c.loads()).toBe(1);
    await database.db.update(tokens).set({ revokedAt: sql`now()` }).where(eq(tokens.jti, 'jti-1'));
    await feed.barrier(database.db);
    await caches.tokens.fetch('jti-1', async () => (c.load(), undefined));
    expect(c.loads()).toBe(2);
    // last_used_at is bookkeeping: writing it tells nobody.
    await database.db.update(tokens).set({ lastUsedAt: sql`now()` }).where(eq(tokens.jti, 'jti-1'));
    await feed.barrier(database.db);
    await caches.tokens.fetch('jti-1', async () => (c.load(), undefined));
    expect(c.loads()).toBe(2);

    const flushes = feed.flushes;
    const [o] = await database.db.insert(orgs).values({ name: 'feedco' }).returning({ id: orgs.id });
    await database.db.insert(orgMembers).values({ orgId: o!.id, userId: u!.id, role: 'reader' });
    await feed.barrier(database.db);
    expect(feed.flushes).toBeGreaterThan(flushes);
  });
});
