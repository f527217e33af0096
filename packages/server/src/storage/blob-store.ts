import { sha512HexOfIntegrity } from '@unjucks/core';

/** A stored blob: its size, and its bytes as a web stream. */
export interface StoredBlob {
  size: number;
  stream(): ReadableStream<Uint8Array>;
  /** Set when the bytes are already in memory (the read cache): sent as they are, no stream. */
  bytes?: Uint8Array<ArrayBuffer>;
}

/**
 * Where tarballs live. Keys are content addresses (`sha512/<hex>`), so a put is idempotent and
 * two versions with the same bytes share one blob.
 */
export interface ListedBlob {
  key: string;
  /** When the blob was last written, or refreshed by a put of the same bytes. */
  modified: Date;
}

export interface BlobStore {
  readonly describe: string;
  /** Stores the bytes, or, when they are already stored, refreshes the blob's modified time (see gc). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<StoredBlob | null>;
  /** The bytes when they are in memory now (a read cache), without waiting; stores without one leave it out. */
  peek?(key: string): Uint8Array | undefined;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Every blob, for the integrity tools that walk storage. */
  list(): AsyncIterable<ListedBlob>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
}

/** The key the bytes with this sha512 SRI are stored under. */
export const blobKeyForIntegrity = (integrity: string): string | null => {
  const hex = sha512HexOfIntegrity(integrity);
  return hex ? blobKeyFor(hex) : null;
};

export const blobKeyFor = (sha512hex: string): string => {
  if (!/^[0-9a-f]{128}$/.test(sha512hex)) throw new Error(`not a sha512 hex digest: ${sha512hex}`);
  return `sha512/${sha512hex}`;
};

/** A blob held in memory. */
export const bytesBlob = (bytes: Uint8Array): StoredBlob => ({
  size: bytes.byteLength,
  ...(bytes.buffer instanceof ArrayBuffer ? { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) } : {}),
  stream: () =>
    new ReadableStream({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    }),
});
