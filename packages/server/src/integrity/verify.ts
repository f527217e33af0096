import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { packages, versions } from '../db/schema.js';
import { blobKeyForIntegrity, type BlobStore } from '../storage/blob-store.js';
import { touchPackage } from '../registry/lookup.js';

export interface VerifyProblem {
  name: string;
  version: string;
  blobKey: string;
  problem: 'missing' | 'corrupt';
  detail: string;
  /** Set when --repair pointed the version at a blob holding its exact bytes. */
  relinkedTo?: string;
}

export interface VerifyResult {
  checked: number;
  ok: number;
  problems: VerifyProblem[];
  relinked: number;
}

/** The sha512 SRI of a stored blob, or null when there is no such blob. */
async function integrityOfBlob(store: BlobStore, key: string): Promise<string | null> {
  const blob = await store.get(key);
  if (!blob) return null;
  const hash = createHash('sha512');
  const reader = blob.stream().getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) hash.update(r.value);
  return `sha512-${hash.digest('base64')}`;
}

/**
 * Walks every version (removed ones included: their rows still name a blob), checks that its blob
 * exists and that its sha512 matches the recorded integrity. With `repair`, a version whose blob is
 * missing or wrong is pointed at the blob stored under its integrity, when that one holds the right
 * bytes. Nothing is ever deleted.
 */
export async function verify(db: Db, store: BlobStore, opts: { repair?: boolean } = {}): Promise<VerifyResult> {
  const rows = await db
    .select({
      id: versions.id,
      packageId: versions.packageId,
      name: packages.name,
      version: versions.version,
      integrity: versions.integrity,
      blobKey: versions.blobKey,
    })
    .from(versions)
    .innerJoin(packages, eq(packages.id, versions.packageId))
    .orderBy(packages.name, versions.id);
  const result: VerifyResult = { checked: 0, ok: 0, problems: [], relinked: 0 };
  for (const row of rows) {
    result.checked++;
    const actual = await integrityOfBlob(store, row.blobKey);
    if (actual === row.integrity) {
      result.ok++;
      continue;
    }
    const problem: VerifyProblem = {
      name: row.name,
      version: row.version,
      blobKey: row.blobKey,
      problem: actual === null ? 'missing' : 'corrupt',
      detail: actual === null ? `no blob at ${row.blobKey}` : `blob ${row.blobKey} hashes to ${actual}, the version records ${row.integrity}`,
    };
    const expectedKey = blobKeyForIntegrity(row.integrity);
    if (opts.repair && expectedKey && expectedKey !== row.blobKey && (await integrityOfBlob(store, expectedKey)) === row.integrity) {
      // Touched (unseen: no document changes), so running replicas drop the snapshot holding the old link.
      await db.transaction(async (tx) => {
        await tx.update(versions).set({ blobKey: expectedKey }).where(eq(versions.id, row.id));
        await touchPackage(tx, row.packageId, false);
      });
      problem.relinkedTo = expectedKey;
      result.relinked++;
    }
    result.problems.push(problem);
  }
  return result;
}
