/** A stored blob: its size, and its bytes as a web stream. */
export interface StoredBlob {
  size: number;
  stream(): ReadableStream<Uint8Array>;
}

/**
 * Where tarballs live. Keys are content addresses (`sha512/<hex>`), so a put is idempotent and
 * two versions with the same bytes share one blob.
 */
export interface BlobStore {
  readonly describe: string;
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<StoredBlob | null>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Every key, for tests and for the integrity tools that walk storage. */
  list(): AsyncIterable<string>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
}

export const blobKeyFor = (sha512hex: string): string => {
  if (!/^[0-9a-f]{128}$/.test(sha512hex)) throw new Error(`not a sha512 hex digest: ${sha512hex}`);
  return `sha512/${sha512hex}`;
};

/** A blob held in memory. */
export const bytesBlob = (bytes: Uint8Array): StoredBlob => ({
  size: bytes.byteLength,
  stream: () =>
    new ReadableStream({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    }),
});
