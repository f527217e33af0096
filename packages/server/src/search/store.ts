import { and, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.js';
import { packages, searchDocuments, searchTerms } from '../db/schema.js';
import { loadDocuments, type SearchDoc } from './documents.js';
import { fieldText, processTerm, splitWords } from './search-index.js';

/** The tsvector weight classes: Postgres has four, the in-memory index six fields (BOOSTS). */
const CLASSES = { A: ['name'], B: ['templates', 'keywords'], C: ['description', 'templateDocs'], D: ['variables', 'readme'] } as const;

/** The words of some text as both engines index them: split, lowercased, stopwords out. */
export const indexWords = (text: string): string[] => splitWords(text).flatMap((w) => processTerm(w) ?? []);

/** Words worth correcting a typo towards: names, generators, templates and keywords. */
const vocabularyOf = (doc: SearchDoc) =>
  [...new Set([...indexWords(doc.name), ...indexWords(fieldText(doc, 'templates')), ...indexWords(fieldText(doc, 'keywords'))])].filter((t) => t.length >= 3);

function rowOf(doc: SearchDoc) {
  const words = (cls: keyof typeof CLASSES) => CLASSES[cls].flatMap((f) => indexWords(fieldText(doc, f))).join(' ');
  return {
    packageId: doc.id,
    revision: sql<number>`(select ${packages.revision} from ${packages} where ${packages.id} = ${doc.id})`,
    name: doc.name,
    scope: doc.scope,
    private: doc.private,
    deprecated: doc.deprecated,
    quality: doc.quality,
    downloads: sql<number>`(select coalesce(sum(count), 0)::int from downloads where package_id = ${doc.id} and day > current_date - 30)`,
    keywords: doc.keywords.map((k) => k.toLowerCase()),
    maintainers: doc.maintainers,
    capabilities: doc.capabilities as string[],
    generators: doc.generators.flatMap((g) => [g.name, ...g.templates.map((t) => `${g.name}/${t.name}`)].map((s) => s.toLowerCase())),
    nameWords: indexWords(doc.name).join(' '),
    doc,
    tsv: sql<string>`setweight(to_tsvector('simple', ${words('A')}), 'A') || setweight(to_tsvector('simple', ${words('B')}), 'B') || setweight(to_tsvector('simple', ${words('C')}), 'C') || setweight(to_tsvector('simple', ${words('D')}), 'D')`,
  };
}

/**
 * Rewrites the stored search documents of these packages from their rows. Called inside the
 * transaction of every change to a package (registry/lookup.ts touchPackage), so the document
 * commits with the change or not at all; a package with no live version loses its document.
 */
export async function writeSearchDocuments(db: DbOrTx, packageIds: number[]): Promise<void> {
  if (packageIds.length === 0) return;
  const docs = await loadDocuments(db, packageIds);
  const found = new Set(docs.map((d) => d.id));
  const gone = packageIds.filter((id) => !found.has(id));
  if (gone.length) await db.delete(searchDocuments).where(inArray(searchDocuments.packageId, gone));
  await storeSearchDocuments(db, docs);
}

/**
 * Upserts documents (their packages' rows must exist) and adds their words to the vocabulary. The
 * statements go out together (one round trip in a transaction, whose connection runs them in the
 * order sent): the vocabulary does not depend on the documents' rows.
 */
export async function storeSearchDocuments(db: DbOrTx, docs: SearchDoc[]): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < docs.length; i += 500) {
    const rows = docs.slice(i, i + 500).map(rowOf);
    writes.push(
      db
        .insert(searchDocuments)
        .values(rows)
        .onConflictDoUpdate({
          target: searchDocuments.packageId,
          set: Object.fromEntries(
            Object.keys(rows[0]!)
              .filter((k) => k !== 'packageId')
              .map((k) => [k, sql.raw(`excluded.${toColumn(k)}`)]),
          ),
        })
        .execute(),
    );
  }
  // Sorted: concurrent transactions adding the same new words take their locks in one order.
  const terms = [...new Set(docs.flatMap(vocabularyOf))].sort();
  // Terms are only added: a stale one costs a correction that finds nothing, never a wrong result.
  for (let i = 0; i < terms.length; i += 2000)
    writes.push(
      db
        .insert(searchTerms)
        .values(terms.slice(i, i + 2000).map((term) => ({ term })))
        .onConflictDoNothing()
        .execute(),
    );
  await Promise.all(writes);
}

const toColumn = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Writes the documents of packages whose stored one is missing or behind their revision: after
 * the migration that introduced the table, and after rows written straight into Postgres.
 */
export async function backfillSearchDocuments(db: Db): Promise<number> {
  const stale = await db
    .select({ id: packages.id })
    .from(packages)
    .leftJoin(searchDocuments, eq(searchDocuments.packageId, packages.id))
    .where(or(isNull(searchDocuments.packageId), ne(searchDocuments.revision, packages.revision)));
  const ids = stale.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 1000) await writeSearchDocuments(db, ids.slice(i, i + 1000));
  return ids.length;
}

/**
 * Copies 30-day download totals onto the stored documents (these packages', or all that differ),
 * so the postgres engine ranks by popularity without aggregating downloads per search.
 */
export async function refreshStoredDownloads(db: Db, packageIds?: number[]): Promise<void> {
  const total = sql`coalesce((select sum(w.count)::int from downloads w where w.package_id = d.package_id and w.day > current_date - 30), 0)`;
  await db.execute(sql`
    update search_documents d set downloads = ${total}
    where d.downloads is distinct from ${total} ${packageIds ? sql`and d.package_id = any(${`{${packageIds.join(',')}}`}::int[])` : sql``}`);
}

/** Stored documents (all, or these packages'), as the in-memory index takes them. */
export async function loadStoredDocuments(db: Db, packageIds?: number[]): Promise<SearchDoc[]> {
  const rows = await db
    .select({ doc: searchDocuments.doc })
    .from(searchDocuments)
    .where(packageIds ? and(inArray(searchDocuments.packageId, packageIds)) : undefined);
  return rows.map((r) => r.doc as SearchDoc);
}

/** How many packages have a search document. */
export async function countStoredDocuments(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(searchDocuments);
  return Number(row?.n ?? 0);
}
