import { sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { isPrivateSql } from '../access/rights.js';
import { rawRows } from '../db/raw.js';
import { abbreviatedPackument, fullPackument } from '../npm/packument.js';
import { packageDocOf } from './read.js';
import { SnapshotCache } from './snapshot.js';
import { StoredDocuments } from './stored-documents.js';

/** Packages asked for at once, and loaded at once (their round trips overlap). */
const PAGE = 500;
const AT_ONCE = 4;

/**
 * Renders and stores the documents of every public package with live versions that has none
 * current (`unjucks-registry documents`): after an upgrade, whose new rendering stores its own,
 * or on a registry whose packages were imported, so that the first reads of packages no replica
 * holds find them stored instead of loading every version. Throws the first write that failed.
 */
export async function storeAllDocuments(db: Db, publicUrl: string, onPage: (checked: number) => void = () => undefined) {
  let failure: unknown;
  const documents = new StoredDocuments(
    db,
    () => publicUrl,
    undefined,
    (e) => {
      failure ??= e;
    },
    undefined,
    Number.POSITIVE_INFINITY,
  );
  const ctx = { publicUrl, documents };
  // Small: each snapshot is rendered once and dropped.
  const cache = new SnapshotCache(AT_ONCE);
  let after = 0;
  let checked = 0;
  for (;;) {
    // The packages a reader could be served a stored document of (public, with a live version) that lack one.
    const page = await rawRows<{ id: number; name: string }>(
      db,
      sql`select packages.id, packages.name from packages
        where packages.id > ${after} and not ${isPrivateSql}
          and exists (select 1 from versions v where v.package_id = packages.id and v.status = 'live' and v.removed_at is null)
          and (select count(*) from package_documents d
            where d.package_id = packages.id and d.revision = packages.revision and d.made_for = ${documents.madeFor}) < 3
        order by packages.id limit ${PAGE}`,
    );
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    let next = 0;
    const worker = async () => {
      while (next < page.length) {
        const { name } = page[next++]!;
        // Changed since the page was read (gone private, unpublished): offer skips what it may not store.
        const s = await cache.get(db, name);
        documents.offer(s, 'npm:corgi', abbreviatedPackument(publicUrl, s));
        documents.offer(s, 'npm:full', fullPackument(publicUrl, s));
        packageDocOf(ctx, s);
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    await documents.flush();
    if (failure) throw failure;
    checked += page.length;
    onPage(checked);
  }
  return { checked, written: documents.written };
}
