import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config.js';
import type { BlobStore, ListedBlob, StoredBlob } from './blob-store.js';

type Sdk = typeof import('@aws-sdk/client-s3');
/**
 * The AWS SDK, loaded with the first S3 store rather than with this module: a registry on local
 * blobs (the embedded default, the scale bench) then never loads it, in any of its threads.
 */
let loading: Promise<Sdk> | undefined;
const sdk = () => (loading ??= import('@aws-sdk/client-s3'));

const isNotFound = (s3: Sdk, e: unknown) =>
  e instanceof s3.S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound');

/** Blobs in an S3-compatible bucket (AWS, MinIO, s3rver). Credentials come from the standard AWS chain. */
export class S3BlobStore implements BlobStore {
  readonly describe: string;
  private readonly ready: Promise<{ s3: Sdk; client: S3Client }>;

  constructor(private readonly config: S3Config) {
    this.describe = `S3 bucket ${config.bucket}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
    this.ready = sdk().then((s3) => ({
      s3,
      client: new s3.S3Client({
        region: config.region,
        endpoint: config.endpoint,
        forcePathStyle: config.forcePathStyle,
        // Checksums only where S3 requires them: MinIO and s3rver do not all speak the newer
        // streaming-trailer checksums, and we verify sha512 ourselves.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    }));
    // Each operation awaits it and reports a failure; a store never used must not crash the process.
    this.ready.catch(() => undefined);
  }

  private keyOf(key: string) {
    return `${this.config.prefix}${key}`;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    // Always written, even when the bytes are already there: an S3 PUT replaces atomically, and a
    // rewrite refreshes LastModified, which gc's grace period relies on (a self-copy does not on
    // every S3 server).
    const { s3, client } = await this.ready;
    await client.send(
      new s3.PutObjectCommand({
        Bucket: this.config.bucket,
        Key: this.keyOf(key),
        Body: bytes,
        ContentLength: bytes.byteLength,
        ContentType: 'application/gzip',
      }),
    );
  }

  async get(key: string): Promise<StoredBlob | null> {
    const { s3, client } = await this.ready;
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
      const body = out.Body;
      if (!body) return null;
      return { size: out.ContentLength ?? 0, stream: () => body.transformToWebStream() };
    } catch (e) {
      if (isNotFound(s3, e)) return null;
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    const { s3, client } = await this.ready;
    try {
      await client.send(new s3.HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
      return true;
    } catch (e) {
      if (isNotFound(s3, e)) return false;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    const { s3, client } = await this.ready;
    await client.send(new s3.DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
  }

  async *list(): AsyncIterable<ListedBlob> {
    const { s3, client } = await this.ready;
    let token: string | undefined;
    do {
      const out = await client.send(
        new s3.ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.config.prefix || undefined, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) if (o.Key) yield { key: o.Key.slice(this.config.prefix.length), modified: o.LastModified ?? new Date(0) };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async ping(): Promise<void> {
    const { s3, client } = await this.ready;
    await client.send(new s3.HeadBucketCommand({ Bucket: this.config.bucket }));
  }

  close(): void {
    void this.ready.then(
      ({ client }) => client.destroy(),
      () => undefined,
    );
  }
}
