import { sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
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
 * holds find them stored instead of loading every version.
 */
export async function storeAllDocuments(db: Db, publicUrl: string, onPage: (done: number) => void = () => undefined) {
  const documents = new StoredDocuments(
    db,
    () => publicUrl,
    undefined,
    (e) => {
      throw e;
    },
  );
  const ctx = { publicUrl, documents };
  // Small: each snapshot is rendered once and dropped.
  const cache = new SnapshotCache(AT_ONCE);
  let after = 0;
  let checked = 0;
  let stored = 0;
  for (;;) {
    const page = await rawRows<{ id: number; name: string }>(
      db,
      sql`select p.id, p.name from packages p
        where p.id > ${after}
          and (select count(*) from package_documents d where d.package_id = p.id and d.revision = p.revision and d.made_for = ${documents.madeFor}) < 3
        order by p.id limit ${PAGE}`,
    );
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    let next = 0;
    const worker = async () => {
      while (next < page.length) {
        const { name } = page[next++]!;
        // Gone since the page was read: nothing to store.
        const s = await cache.get(db, name).catch(() => null);
        if (!s || s.pkg.private || s.versions.size === 0) continue;
        documents.offer(s, 'npm:corgi', abbreviatedPackument(publicUrl, s));
        documents.offer(s, 'npm:full', fullPackument(publicUrl, s));
        packageDocOf(ctx, s);
        stored++;
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    await documents.flush();
    checked += page.length;
    onPage(checked);
  }
  return { checked, stored };
}
