import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotCache } from '../../packages/server/src/registry/snapshot.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';

/**
 * The snapshot cache is bounded by estimated bytes as well as by count (METADATA_CACHE_BYTES), so
 * a replica's memory does not follow the size of the packages it serves: the least recently read
 * go first, and a read of an evicted package loads it again.
 */
describe('package snapshots bounded by bytes', () => {
  let h: Harness;
  let admin: string;
  const NAMES = ['@bytes/one', '@bytes/two', '@bytes/three'];

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin', ['read', 'publish:new', 'publish:update', 'admin'], { admin: true });
    for (const name of NAMES)
      expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball(name, '1.0.0', { salt: name }) })).status).toBe(201);
  });
  afterAll(() => h.close());

  const read = async (name: string) => {
    const r = await h.request('GET', `/api/v1/packages/${encodeURIComponent(name)}`, { token: admin });
    expect(r.status).toBe(200);
    return ((await r.json()) as { name: string }).name;
  };

  it('keeps the most recently read snapshots within the bound', async () => {
    const unbounded = new SnapshotCache();
    h.registry.cache = unbounded;
    for (const name of NAMES) await read(name);
    const { entries, bytes } = unbounded.stats;
    expect(entries).toBe(3);
    const each = bytes / 3;
    expect(each).toBeGreaterThan(0);

    // Room for two of the three.
    const bounded = new SnapshotCache(2000, undefined, undefined, Math.floor(each * 2.5));
    h.registry.cache = bounded;
    for (const name of NAMES) expect(await read(name)).toBe(name);
    expect(bounded.stats.entries).toBe(2);
    expect(bounded.stats.bytes).toBeLessThanOrEqual(each * 2.5);
    // The evicted one answers as before, and the bound holds after it is loaded again.
    expect(await read(NAMES[0]!)).toBe(NAMES[0]);
    expect(bounded.stats.entries).toBe(2);
  });
});
