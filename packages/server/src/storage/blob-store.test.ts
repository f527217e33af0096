import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { blobKeyFor, type BlobStore } from './blob-store.js';
import { CachedBlobStore } from './cached-store.js';
import { FsBlobStore } from './fs-store.js';
import { MemoryBlobStore } from './memory-store.js';
import { S3BlobStore } from './s3-store.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const stores: [string, () => Promise<BlobStore>][] = [
  ['memory', async () => new MemoryBlobStore()],
  ['read cache over memory', async () => new CachedBlobStore(new MemoryBlobStore(), 1024 * 1024, 512 * 1024)],
  [
    'local folder',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return new FsBlobStore(dir);
    },
  ],
  [
    'S3 (s3rver)',
    async () => {
      const endpoint = inject('s3Endpoint');
      const bucket = `contract-${randomBytes(4).toString('hex')}`;
      const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
      const admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      admin.destroy();
      process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
      return new S3BlobStore({ bucket, endpoint, region: 'us-east-1', forcePathStyle: true, prefix: 'blobs/' });
    },
  ],
];

const keyOf = (bytes: Buffer) => blobKeyFor(createHash('sha512').update(bytes).digest('hex'));
const read = async (store: BlobStore, key: string) => {
  const blob = await store.get(key);
  if (!blob) return null;
  return { size: blob.size, bytes: Buffer.from(await new Response(blob.stream()).arrayBuffer()) };
};

const modifiedOf = async (store: BlobStore, key: string) => {
  for await (const b of store.list()) if (b.key === key) return b.modified;
  throw new Error(`${key} is not listed`);
};

describe.each(stores)('BlobStore contract: %s', (_label, make) => {
  it('stores, streams back, lists and deletes bytes by content key', async () => {
    const store = await make();
    await store.ping();
    const bytes = randomBytes(300 * 1024);
    const key = keyOf(bytes);
    expect(await store.has(key)).toBe(false);
    expect(await store.get(key)).toBeNull();
    await store.put(key, bytes);
    await store.put(key, bytes); // idempotent
    expect(await store.has(key)).toBe(true);
    const back = await read(store, key);
    expect(back?.size).toBe(bytes.length);
    expect(back?.bytes.equals(bytes)).toBe(true);
    const keys: string[] = [];
    let modified = new Date(0);
    for await (const b of store.list()) keys.push(b.key), (modified = b.modified);
    expect(keys).toEqual([key]);
    expect(Date.now() - modified.getTime()).toBeLessThan(60_000);
    await store.delete(key);
    expect(await store.has(key)).toBe(false);
  });

  it('refreshes the modified time when the same bytes are put again', async () => {
    const store = await make();
    const bytes = randomBytes(100);
    await store.put(keyOf(bytes), bytes);
    const first = await modifiedOf(store, keyOf(bytes));
    await new Promise((r) => setTimeout(r, 1100)); // S3 keeps whole seconds
    await store.put(keyOf(bytes), bytes);
    expect((await modifiedOf(store, keyOf(bytes))).getTime()).toBeGreaterThan(first.getTime());
  });

  it('keeps an empty blob and many blobs apart', async () => {
    const store = await make();
    const blobs = [Buffer.alloc(0), ...Array.from({ length: 5 }, () => randomBytes(1000))];
    for (const b of blobs) await store.put(keyOf(b), b);
    for (const b of blobs) expect((await read(store, keyOf(b)))?.bytes.equals(b)).toBe(true);
  });
});

it('keeps the read cache within its byte budget, most recent first', async () => {
  const inner = new MemoryBlobStore();
  const cache = new CachedBlobStore(inner, 3000, 2000);
  const blobs = Array.from({ length: 4 }, () => randomBytes(1000));
  for (const b of blobs) await cache.put(keyOf(b), b);
  for (const b of blobs) await read(cache, keyOf(b));
  // Served from memory even after the store lost the most recent three; the oldest was evicted.
  for (const b of blobs) inner.blobs.delete(keyOf(b));
  expect(await read(cache, keyOf(blobs[0]!))).toBeNull();
  for (const b of blobs.slice(1)) expect((await read(cache, keyOf(b)))?.bytes.equals(b)).toBe(true);
  // Too large for one entry: passed through, never cached.
  const big = randomBytes(2500);
  await cache.put(keyOf(big), big);
  expect((await read(cache, keyOf(big)))?.bytes.equals(big)).toBe(true);
  inner.blobs.delete(keyOf(big));
  expect(await read(cache, keyOf(big))).toBeNull();
});

it('keeps a blob read again the most recent, whether or not it was read just before', async () => {
  const inner = new MemoryBlobStore();
  const cache = new CachedBlobStore(inner, 3000, 2000);
  const [a, b, c, d, e] = Array.from({ length: 5 }, () => randomBytes(1000));
  for (const x of [a, b, c, d, e]) await inner.put(keyOf(x!), x!);
  for (const x of [a, b, c]) await read(cache, keyOf(x!));
  // a is read again twice in a row (the second read moves nothing), then d comes in: b, the least
  // recently read, goes. Then c is read twice and e comes in: a goes, c stays.
  await read(cache, keyOf(a!));
  await read(cache, keyOf(a!));
  await read(cache, keyOf(d!));
  await read(cache, keyOf(c!));
  await read(cache, keyOf(c!));
  await read(cache, keyOf(e!));
  for (const x of [a, b, c, d, e]) await inner.delete(keyOf(x!));
  expect(cache.peek(keyOf(a!))).toBeUndefined();
  expect(cache.peek(keyOf(b!))).toBeUndefined();
  for (const x of [c, d, e]) expect(Buffer.from(cache.peek(keyOf(x!))!).equals(x!)).toBe(true);
  // A blob deleted while it was the most recent comes back as the most recent when read again.
  await cache.delete(keyOf(e!));
  await inner.put(keyOf(e!), e!);
  await read(cache, keyOf(e!));
  await inner.delete(keyOf(e!));
  await inner.put(keyOf(a!), a!);
  await read(cache, keyOf(a!));
  expect(cache.peek(keyOf(c!))).toBeUndefined();
  for (const x of [d, e, a]) expect(cache.peek(keyOf(x!))).toBeDefined();
});

it('refuses keys that are not sha512 digests', () => {
  expect(() => blobKeyFor('abc')).toThrow(/sha512/);
});
