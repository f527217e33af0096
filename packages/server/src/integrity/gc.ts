import type { Db } from '../db/database.js';
import { versions } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';

export interface GcResult {
  scanned: number;
  referenced: number;
  deleted: string[];
  /** Unreferenced, but younger than the grace period: a publish may be about to reference them. */
  kept: number;
}

/**
 * Deletes blobs no version references, once they are older than `graceMs`. A publish stores its
 * blob before it inserts the version row, and a put of bytes already stored refreshes the blob's
 * time, so a blob a publish in flight may still reference is always younger than the grace period.
 */
export async function gc(db: Db, store: BlobStore, opts: { graceMs: number; dryRun?: boolean }): Promise<GcResult> {
  const rows = await db.selectDistinct({ key: versions.blobKey, provenance: versions.provenanceBlobKey }).from(versions);
  const referenced = new Set(rows.flatMap((r) => (r.provenance ? [r.key, r.provenance] : [r.key])));
  const cutoff = Date.now() - opts.graceMs;
  const result: GcResult = { scanned: 0, referenced: 0, deleted: [], kept: 0 };
  for await (const blob of store.list()) {
    result.scanned++;
    if (referenced.has(blob.key)) result.referenced++;
    else if (blob.modified.getTime() > cutoff) result.kept++;
    else {
      if (!opts.dryRun) await store.delete(blob.key);
      result.deleted.push(blob.key);
    }
  }
  return result;
}
