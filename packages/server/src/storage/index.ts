import { join } from 'node:path';
import type { Config } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-store.js';
import { S3BlobStore } from './s3-store.js';
import { CachedBlobStore } from './cached-store.js';

export * from './blob-store.js';
export { CachedBlobStore, FsBlobStore, S3BlobStore };

/** S3 when a bucket is configured, else content-addressed files under DATA_DIR/blobs; behind a read cache unless it is 0. */
export function createBlobStore(config: Pick<Config, 's3' | 'dataDir' | 'blobCacheBytes'>): BlobStore {
  const store = config.s3 ? new S3BlobStore(config.s3) : new FsBlobStore(join(config.dataDir, 'blobs'));
  return config.blobCacheBytes > 0 ? new CachedBlobStore(store, config.blobCacheBytes) : store;
}
