import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../config.js';
import type { BlobStore, ListedBlob, StoredBlob } from './blob-store.js';

const isNotFound = (e: unknown) => e instanceof S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound');

/** Blobs in an S3-compatible bucket (AWS, MinIO, s3rver). Credentials come from the standard AWS chain. */
export class S3BlobStore implements BlobStore {
  readonly describe: string;
  private readonly client: S3Client;

  constructor(private readonly config: S3Config) {
    this.describe = `S3 bucket ${config.bucket}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      // Checksums only where S3 requires them: MinIO and s3rver do not all speak the newer
      // streaming-trailer checksums, and we verify sha512 ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private keyOf(key: string) {
    return `${this.config.prefix}${key}`;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    // Always written, even when the bytes are already there: an S3 PUT replaces atomically, and a
    // rewrite refreshes LastModified, which gc's grace period relies on (a self-copy does not on
    // every S3 server).
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: this.keyOf(key),
        Body: bytes,
        ContentLength: bytes.byteLength,
        ContentType: 'application/gzip',
      }),
    );
  }

  async get(key: string): Promise<StoredBlob | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
      const body = out.Body;
      if (!body) return null;
      return { size: out.ContentLength ?? 0, stream: () => body.transformToWebStream() };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
  }

  async *list(): AsyncIterable<ListedBlob> {
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.config.prefix || undefined, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) if (o.Key) yield { key: o.Key.slice(this.config.prefix.length), modified: o.LastModified ?? new Date(0) };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
  }

  close(): void {
    this.client.destroy();
  }
}
