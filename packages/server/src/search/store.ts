import { eq, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.js';
import { rawRows, sqlList } from '../db/raw.js';
import { packages, searchDocuments } from '../db/schema.js';
import { loadDocuments, type SearchDoc } from './documents.js';
import { fieldText, processTerm, splitWords } from './search-index.js';

/** The tsvector weight classes: Postgres has four, the in-memory index six fields (BOOSTS). */
const CLASSES = { A: ['name'], B: ['templates', 'keywords'], C: ['description', 'templateDocs'], D: ['variables', 'readme'] } as const;

/** The words of some text as both engines index them: split, lowercased, stopwords out. */
export function indexWords(text: string): string[] {
  // A loop, not flatMap (an array per word): every change to a package runs it over the README.
  const words: string[] = [];
  for (const word of splitWords(text)) {
    const term = processTerm(word);
    if (term !== null) words.push(term);
  }
  return words;
}

/** Words worth correcting a typo towards: names, generators, templates and keywords. */
const vocabularyOf = (doc: SearchDoc) =>
  [...new Set([...indexWords(doc.name), ...indexWords(fieldText(doc, 'templates')), ...indexWords(fieldText(doc, 'keywords'))])].filter((t) => t.length >= 3);

/**
 * One document's row, in the column order of DOC_COLUMNS. A template rather than the query builder
 * (db/raw.ts): every change to a package writes one. The array columns are encoded by their own
 * columns, as the builder encodes them; the revision is the package's as this statement runs.
 */
function rowOf(doc: SearchDoc): SQL {
  const words = (cls: keyof typeof CLASSES) => CLASSES[cls].flatMap((f) => indexWords(fieldText(doc, f))).join(' ');
  const keywords = sql.param(
    doc.keywords.map((k) => k.toLowerCase()),
    searchDocuments.keywords,
  );
  const maintainers = sql.param(doc.maintainers, searchDocuments.maintainers);
  const capabilities = sql.param(doc.capabilities as string[], searchDocuments.capabilities);
  const generators = sql.param(
    doc.generators.flatMap((g) => [g.name, ...g.templates.map((t) => `${g.name}/${t.name}`)].map((s) => s.toLowerCase())),
    searchDocuments.generators,
  );
  return sql`(${doc.id}, (select revision from packages where id = ${doc.id}), ${doc.name}, ${doc.scope}, ${doc.private}, ${doc.deprecated}, ${doc.quality},
    (select coalesce(sum(count), 0)::int from downloads where package_id = ${doc.id} and day > current_date - 30),
    ${keywords}, ${maintainers}, ${capabilities}, ${generators}, ${indexWords(doc.name).join(' ')}, ${JSON.stringify(doc)},
    setweight(to_tsvector('simple', ${words('A')}), 'A') || setweight(to_tsvector('simple', ${words('B')}), 'B') || setweight(to_tsvector('simple', ${words('C')}), 'C') || setweight(to_tsvector('simple', ${words('D')}), 'D'))`;
}

const DOC_COLUMNS = [
  'package_id',
  'revision',
  'name',
  'scope',
  'private',
  'deprecated',
  'quality',
  'downloads',
  'keywords',
  'maintainers',
  'capabilities',
  'generators',
  'name_words',
  'doc',
  'tsv',
] as const;
/** Every column but the key takes the new row's value on conflict. */
const UPSERT_DOCS = sql.raw(`insert into search_documents (${DOC_COLUMNS.join(', ')}) values `);
const ON_CONFLICT_DOCS = sql.raw(
  ` on conflict (package_id) do update set ${DOC_COLUMNS.filter((c) => c !== 'package_id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`,
);

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
 * order sent): neither depends on the other's rows.
 */
export async function storeSearchDocuments(db: DbOrTx, docs: SearchDoc[]): Promise<void> {
  const writes: Promise<unknown>[] = [];
  // Sorted: concurrent transactions adding the same new words take their locks in one order.
  const terms = [...new Set(docs.flatMap(vocabularyOf))].sort();
  // Terms are only added: a stale one costs a correction that finds nothing, never a wrong result.
  // Sent before the documents, which are large: postgres-js then writes both to the socket at once.
  for (let i = 0; i < terms.length; i += 2000)
    writes.push(db.execute(sql`insert into search_terms (term) values ${sqlList(terms.slice(i, i + 2000), (term) => sql`(${term})`)} on conflict do nothing`));
  for (let i = 0; i < docs.length; i += 500)
    writes.push(db.execute(sql`${UPSERT_DOCS}${sql.join(docs.slice(i, i + 500).map(rowOf), sql`, `)}${ON_CONFLICT_DOCS}`));
  await Promise.all(writes);
}

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
  if (!packageIds) {
    const rows = await db.select({ doc: searchDocuments.doc }).from(searchDocuments);
    return rows.map((r) => r.doc as SearchDoc);
  }
  if (packageIds.length === 0) return [];
  // A template, not the query builder (db/raw.ts): every replica runs it on every change to a package.
  const rows = await rawRows<{ doc: unknown }>(db, sql`select doc from search_documents where package_id in (${sqlList(packageIds)})`);
  return rows.map((r) => searchDocuments.doc.mapFromDriverValue(r.doc) as SearchDoc);
}

/** How many packages have a search document. */
export async function countStoredDocuments(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(searchDocuments);
  return Number(row?.n ?? 0);
}
