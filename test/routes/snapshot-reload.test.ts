import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChangeFeed } from '../../packages/server/src/cache/feed.js';
import { grants, users } from '../../packages/server/src/db/schema.js';
import { SnapshotCache } from '../../packages/server/src/registry/snapshot.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';

/**
 * A snapshot reloaded after a change keeps the published columns (manifest, README, report) of
 * the versions it had and reads only the new ones': what every read shows must be exactly what a
 * fresh load shows, after publishes, a deprecation, an unpublish and a rename of the org.
 */
describe('package snapshots reloaded after a change', () => {
  let h: Harness;
  let admin: string;
  const PKG = '@snap/reload';

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin', ['read', 'publish:new', 'publish:update', 'deprecate', 'unpublish', 'admin'], { admin: true });
  });
  afterAll(() => h.close());

  const doc = async (name = PKG) => {
    const r = await h.request('GET', `/api/v1/packages/${encodeURIComponent(name)}`, { token: admin });
    expect(r.status).toBe(200);
    const text = await r.text();
    // Written from parts serialized at different times: exactly what one JSON.stringify would write.
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
    return JSON.parse(text) as { versions: Record<string, { manifest: { name: string; version: string }; deprecated?: string }>; readme: string | null };
  };
  const report = async (version: string, name = PKG) => {
    const r = await h.request('GET', `/api/v1/packages/${encodeURIComponent(name)}/${version}/report`, { token: admin });
    return r.status === 200 ? ((await r.json()) as { findings: unknown[] }) : null;
  };
  // What a cache that never saw the package would show.
  const fresh = async (name = PKG) => {
    h.registry.cache = new SnapshotCache();
    return doc(name);
  };

  it('shows what a fresh load shows after each change', async () => {
    const publish = async (version: string) =>
      expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball(PKG, version, { salt: version }) })).status).toBe(201);
    await publish('1.0.0');
    expect(Object.keys((await doc()).versions)).toEqual(['1.0.0']);
    await publish('1.1.0');
    const after = await doc();
    expect(Object.keys(after.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(after.versions['1.0.0']!.manifest.version).toBe('1.0.0');
    expect(after.readme).toContain('1.1.0');
    expect(await report('1.0.0')).not.toBeNull();
    expect(after).toEqual(await fresh());

    await doc(); // cached again before the next change
    const dep = await h.request('POST', `/api/v1/packages/${encodeURIComponent(PKG)}/1.0.0/deprecate`, { token: admin, json: { message: 'use 1.1' } });
    expect(dep.status).toBeLessThan(300);
    const deprecated = await doc();
    expect(deprecated.versions['1.0.0']!.deprecated).toBe('use 1.1');
    expect(deprecated).toEqual(await fresh());

    await doc();
    expect((await h.request('DELETE', `/api/v1/packages/${encodeURIComponent(PKG)}/1.1.0`, { token: admin })).status).toBeLessThan(300);
    const unpublished = await doc();
    expect(Object.keys(unpublished.versions)).toEqual(['1.0.0']);
    expect(unpublished).toEqual(await fresh());
  });

  it('keeps reports without their findings, which the report route, the package page and the diff still show', async () => {
    const name = '@snap/findings';
    // An unknown filter: a warning finding, published all the same.
    const extra = [{ path: 'package/_templates/component/react/shout.njk', content: '---\nto: x.txt\n---\n{{ name | shout }}\n' }];
    for (const version of ['1.0.0', '1.1.0'])
      expect(
        (
          await h.request('POST', '/api/v1/packages', {
            token: admin,
            body: packageTarball(name, version, { salt: version, extra: version === '1.1.0' ? extra : [] }),
          })
        ).status,
      ).toBe(201);
    await doc(name);
    const s = await h.registry.cache.get(h.db, name);
    const kept = s.versions.get('1.1.0')!.report!;
    expect(kept).not.toHaveProperty('findings');
    expect(kept.warnings).toBeGreaterThan(0);

    const full = await report('1.1.0', name);
    expect(full!.findings).toContainEqual(expect.objectContaining({ rule: 'nunjucks/unknown-filter', file: '_templates/component/react/shout.njk' }));
    // Answered again from the rendering the snapshot keeps: the same findings.
    expect(await report('1.1.0', name)).toEqual(full);
    const page = await h.request('GET', `/-/web/package/${name}?v=1.1.0`, { token: admin });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('nunjucks/unknown-filter');
    const diff = await h.request('GET', `/api/v1/packages/${encodeURIComponent(name)}/1.1.0/diff?from=1.0.0`, { token: admin });
    expect(diff.status).toBe(200);
    expect(((await diff.json()) as { findings: { added: { rule: string }[] } }).findings.added.map((f) => f.rule)).toContain('nunjucks/unknown-filter');
  });

  describe('with change notices', () => {
    /**
     * A cache on a feed that is live without a listening connection (the test delivers its
     * notices), holding `name` as it is now.
     */
    const cacheHolding = async (name: string) => {
      const feed = new ChangeFeed();
      Object.defineProperty(feed, 'live', { get: () => true });
      const notify = (packageId: number) => (feed as unknown as { onNotify(payload: string): void }).onNotify(JSON.stringify({ package: packageId }));
      const cache = new SnapshotCache(100, () => undefined, feed);
      return { cache, feed, notify, before: await cache.get(h.db, name) };
    };
    const publish = async (name: string, version: string) =>
      expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball(name, version, { salt: version }) })).status).toBe(201);
    const plain = (s: { versions: Map<string, unknown>; tags: unknown; maintainers: unknown; pkg: unknown }) =>
      JSON.parse(JSON.stringify({ versions: [...s.versions], tags: s.tags, maintainers: s.maintainers, pkg: s.pkg }));

    it('reloads a snapshot a notice made stale from the versions it had: only the new one is read and parsed', async () => {
      const name = '@snap/noticed';
      await publish(name, '1.0.0');
      await publish(name, '1.1.0');
      const { cache, notify, before } = await cacheHolding(name);
      expect(cache.peek(name)).toBe(before);
      expect(cache.lastKnown(name)).toBe(before);

      await publish(name, '1.2.0');
      notify(before.pkg.id);
      // Stale: never served, nor a write's starting point, yet still held for the reload.
      expect(cache.peek(name)).toBeUndefined();
      expect(cache.lastKnown(name)).toBeUndefined();
      expect(cache.stats.entries).toBe(1);

      const after = await cache.get(h.db, name);
      expect([...after.versions.keys()]).toEqual(['1.0.0', '1.1.0', '1.2.0']);
      // The versions it had lent their parsed columns: the very objects, not copies read again.
      for (const v of ['1.0.0', '1.1.0']) {
        expect(after.versions.get(v)!.manifest).toBe(before.versions.get(v)!.manifest);
        expect(after.versions.get(v)!.report).toBe(before.versions.get(v)!.report);
      }
      expect(after.versions.get('1.2.0')!.manifest.version).toBe('1.2.0');
      // Exactly what a cache that never saw the package loads.
      expect(plain(after)).toEqual(plain(await new SnapshotCache().get(h.db, name)));
      expect(cache.peek(name)).toBe(after);
      expect(cache.stats.entries).toBe(1);
    });

    /** A cache holding `names` that reloads stale snapshots itself (server.ts builds it so), over a db that counts its loads. */
    const reloadingCache = async (names: string[], maxEntries = 100) => {
      const feed = new ChangeFeed();
      Object.defineProperty(feed, 'live', { get: () => true });
      const notify = (packageId: number) => (feed as unknown as { onNotify(payload: string): void }).onNotify(JSON.stringify({ package: packageId }));
      const loads = { running: 0, most: 0, total: 0 };
      const db = new Proxy(h.db, {
        get: (target, prop, receiver) =>
          prop === 'execute'
            ? (...args: Parameters<typeof target.execute>) => {
                const query = target.execute(...args);
                return {
                  execute: async () => {
                    loads.total++;
                    loads.most = Math.max(loads.most, ++loads.running);
                    try {
                      // Long enough for the loads of one burst to overlap.
                      await new Promise((r) => setTimeout(r, 5));
                      return await query.execute();
                    } finally {
                      loads.running--;
                    }
                  },
                };
              }
            : Reflect.get(target, prop, receiver),
      });
      const lookups: boolean[] = [];
      const cache = new SnapshotCache(maxEntries, (hit) => lookups.push(hit), feed, Number.POSITIVE_INFINITY, db);
      const before = new Map<string, Awaited<ReturnType<typeof cache.get>>>();
      for (const name of names) before.set(name, await cache.get(db, name));
      lookups.length = 0;
      loads.total = 0;
      return { cache, db, notify, before, lookups, loads };
    };

    it('with the database, reloads a snapshot a notice made stale before anyone reads it, in its place in the recency order', async () => {
      const name = '@snap/reloaded';
      await publish(name, '1.0.0');
      const { cache, notify, before, lookups, loads } = await reloadingCache([name]);
      await publish(name, '1.1.0');
      notify(before.get(name)!.pkg.id);
      expect(cache.peek(name)).toBeUndefined();
      let after: ReturnType<typeof cache.peek>;
      await vi.waitFor(() => expect((after = cache.peek(name))?.versions.has('1.1.0')).toBe(true));
      expect(loads.total).toBe(1);
      if (!after) throw new Error('unreachable');
      expect(plain(after)).toEqual(plain(await new SnapshotCache().get(h.db, name)));
      // The versions it had were lent to the reload, as to a reader's.
      expect(after.versions.get('1.0.0')!.manifest).toBe(before.get(name)!.versions.get('1.0.0')!.manifest);
      // The reload is counted as the miss it spared a reader, and the peek that found it as a hit.
      expect(lookups).toEqual([false, true]);
    });

    it('keeps a reloaded snapshot where the stale one was in the recency order: a package nobody reads does not push out one they do', async () => {
      const [cold, hot, third] = ['cold', 'hot', 'third'].map((x) => `@snap/order-${x}`) as [string, string, string];
      for (const name of [cold, hot, third]) await publish(name, '1.0.0');
      // Room for two: `cold` read first, `hot` after it.
      const { cache, db, notify, before, loads } = await reloadingCache([cold, hot], 2);
      await publish(cold, '1.1.0');
      notify(before.get(cold)!.pkg.id);
      await vi.waitFor(() => expect([loads.total, loads.running]).toEqual([1, 0]));
      expect(cache.lastKnown(cold)?.versions.has('1.1.0')).toBe(true);
      // A third package read now pushes out the least recently read: still `cold`, reloaded or not.
      await cache.get(db, third);
      expect(cache.lastKnown(cold)).toBeUndefined();
      expect(cache.lastKnown(hot)).toBe(before.get(hot));
      expect(cache.stats.entries).toBe(2);
    });

    it('lets a reader that comes during the reload wait for it, and start none of its own', async () => {
      const name = '@snap/joined';
      await publish(name, '1.0.0');
      const { cache, db, notify, before, lookups, loads } = await reloadingCache([name]);
      await publish(name, '1.1.0');
      notify(before.get(name)!.pkg.id);
      const read = await cache.get(db, name);
      expect(read.versions.has('1.1.0')).toBe(true);
      expect(loads.total).toBe(1);
      // The reader's hit (joining a load under way, as readers that miss together do), then the reload's miss.
      expect(lookups).toEqual([true, false]);
    });

    it('reloads again after a notice that came during its reload, from what that reload left, and trusts the result', async () => {
      const name = '@snap/twice';
      await publish(name, '1.0.0');
      const { cache, notify, before, loads } = await reloadingCache([name]);
      await publish(name, '1.1.0');
      await publish(name, '1.2.0');
      // The second notice comes while the first one's reload is under way.
      notify(before.get(name)!.pkg.id);
      notify(before.get(name)!.pkg.id);
      let after: ReturnType<typeof cache.peek>;
      await vi.waitFor(() => expect((after = cache.peek(name))?.versions.has('1.2.0')).toBe(true));
      // One load; the second reload found its result current by the revision alone.
      expect(loads.total).toBe(1);
      if (!after) throw new Error('unreachable');
      expect(plain(after)).toEqual(plain(await new SnapshotCache().get(h.db, name)));
    });

    it('reloads a burst of notices two at a time, each package once', async () => {
      const names = ['a', 'b', 'c', 'd', 'e'].map((x) => `@snap/burst-${x}`);
      for (const name of names) await publish(name, '1.0.0');
      const { cache, db, notify, before, loads } = await reloadingCache(names);
      for (const name of names) await publish(name, '2.0.0');
      for (const name of names) notify(before.get(name)!.pkg.id);
      await vi.waitFor(() => expect([loads.total, loads.running]).toEqual([names.length, 0]));
      expect(loads.most).toBe(2);
      // Loaded while later notices came, they are not trusted as they are (SnapshotCache.fetch):
      // each reader asks the revision, finds the reloaded snapshot current, and loads nothing.
      for (const name of names) expect((await cache.get(db, name)).versions.has('2.0.0')).toBe(true);
      expect(loads.total).toBe(names.length);
    });

    it('never builds a write on a snapshot kept from before a flush', async () => {
      const name = '@snap/flushed';
      await publish(name, '1.0.0');
      const { cache, feed, before } = await cacheHolding(name);
      expect(cache.lastKnown(name)).toBe(before);
      // The listening connection dropped and came back: notices sent meanwhile may be lost.
      feed.flush();
      expect(cache.lastKnown(name)).toBeUndefined();
      // Confirmed again by the next read (its revision asked), and a starting point again.
      expect(await cache.get(h.db, name)).toBe(before);
      expect(cache.lastKnown(name)).toBe(before);
    });

    it('does not take a snapshot a notice made stale while its revision was asked as fresh', async () => {
      const name = '@snap/racing';
      await publish(name, '1.0.0');
      const { cache, feed, notify, before } = await cacheHolding(name);
      // Kept but unconfirmed (a flush), so the next read asks for the revision.
      feed.flush();
      const [user] = await h.db.insert(users).values({ name: 'snap-racer', passwordHash: 'x' }).returning({ id: users.id });
      await h.db.insert(grants).values({ packageId: before.pkg.id, userId: user!.id, role: 'maintainer' });
      // The grant's notice (the revision stays) is heard while that question is on its way.
      const db = new Proxy(h.db, {
        get: (target, prop, receiver) =>
          prop === 'select'
            ? (...args: Parameters<typeof target.select>) => {
                notify(before.pkg.id);
                return target.select(...args);
              }
            : Reflect.get(target, prop, receiver),
      });
      const after = await cache.get(db, name);
      expect(after.pkg.revision).toBe(before.pkg.revision);
      expect(after.maintainers).toContain('snap-racer');
    });

    it('reloads the maintainers a grant changed without moving the revision, and never builds a write on the stale ones', async () => {
      const name = '@snap/granted';
      await publish(name, '1.0.0');
      const { cache, notify, before } = await cacheHolding(name);
      const [user] = await h.db.insert(users).values({ name: 'snap-maintainer', passwordHash: 'x' }).returning({ id: users.id });
      await h.db.insert(grants).values({ packageId: before.pkg.id, userId: user!.id, role: 'maintainer' });
      notify(before.pkg.id);
      expect(cache.lastKnown(name)).toBeUndefined();
      const after = await cache.get(h.db, name);
      expect(after.pkg.revision).toBe(before.pkg.revision);
      expect(after.maintainers).toContain('snap-maintainer');
      expect(before.maintainers).not.toContain('snap-maintainer');
    });

    it('forgets a stale snapshot whose package is gone under its name', async () => {
      const name = '@snap/gone';
      await publish(name, '1.0.0');
      const { cache, notify, before } = await cacheHolding(name);
      // Gone under this name, as an org rename or a purge leaves it (an unpublish keeps the row).
      await h.db.execute(`update packages set name = '@snap/renamed' where id = ${Number(before.pkg.id)}`);
      notify(before.pkg.id);
      await expect(cache.get(h.db, name)).rejects.toMatchObject({ status: 404 });
      expect(cache.stats.entries).toBe(0);
    });
  });
});
