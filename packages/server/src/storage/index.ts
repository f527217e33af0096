import { join } from 'node:path';
import type { Config } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-store.js';
import { S3BlobStore } from './s3-store.js';

export * from './blob-store.js';
export { FsBlobStore, S3BlobStore };

/** S3 when a bucket is configured, else content-addressed files under DATA_DIR/blobs. */
export const createBlobStore = (config: Pick<Config, 's3' | 'dataDir'>): BlobStore =>
  config.s3 ? new S3BlobStore(config.s3) : new FsBlobStore(join(config.dataDir, 'blobs'));
