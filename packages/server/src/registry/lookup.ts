import { writeSearchDocuments } from '../search/store.js';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { InputError, parseName } from '@unjucks/core';
import type { Db, DbOrTx } from '../db/database.js';
import { columnList, rawRows, rowDecoder } from '../db/raw.js';
import { distTags, packages, versions } from '../db/schema.js';

export const notFound = (what: string) => new InputError(`${what} not found`, 'not_found');

/** The package row by name, or a 404 naming it. Checks the name first so a bad one is a 400. */
export async function findPackage(db: Db, name: string) {
  parseName(name);
  const [pkg] = await db.select().from(packages).where(eq(packages.name, name));
  if (!pkg) throw notFound(`package ${name} was`);
  return pkg;
}

export async function tagsOf(db: DbOrTx, packageId: number): Promise<Record<string, string>> {
  const rows = await db.select().from(distTags).where(eq(distTags.packageId, packageId));
  return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
}

/**
 * The tags of the package now named `name` (none when there is none). Keyed by name so that a
 * publish can send it with its row lock: the connection runs it after the lock is taken, on a
 * snapshot taken then, so it sees what the previous holder of the lock committed.
 */
export async function tagsOfName(db: DbOrTx, name: string): Promise<Record<string, string>> {
  const rows = await rawRows<{ tag: string; version: string }>(
    db,
    sql`select tag, version from dist_tags where package_id = (select id from packages where name = ${name})`,
  );
  return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
}

const PACKAGE_COLUMNS = columnList(packages);
/** A package row selected as the builder selects it (columnList(packages)), decoded as the builder would. */
export const decodePackage = rowDecoder(packages);

/** The package row by name with its row lock (see lockPackage), or undefined when there is none. */
export async function lockPackageByName(tx: DbOrTx, name: string): Promise<typeof packages.$inferSelect | undefined> {
  const [row] = await rawRows(tx, sql`select ${PACKAGE_COLUMNS} from packages where name = ${name} for update`);
  return row && decodePackage(row);
}

/**
 * Takes the package's row lock in a transaction. Every write to a package takes it before touching
 * its versions or tags (publish and unpublish do, in their first statement): what a write checked
 * under it stays true until it commits, and two writes never hold each other's row locks in
 * opposite orders (a deadlock, a 500 for one of them).
 */
export async function lockPackage(tx: DbOrTx, packageId: number) {
  await tx.select({ id: packages.id }).from(packages).where(eq(packages.id, packageId)).for('update');
}

export async function findLiveVersion(db: DbOrTx, packageId: number, name: string, version: string) {
  const [row] = await db
    .select()
    .from(versions)
    .where(and(eq(versions.packageId, packageId), eq(versions.version, version), isNull(versions.removedAt)));
  if (!row) throw notFound(`version ${version} of ${name} was`);
  // Callers hold a maintainer's right (tags, deprecate), so naming the status leaks nothing.
  if (row.status !== 'live')
    throw new InputError(
      row.status === 'staged'
        ? `${name}@${version} is staged, waiting for approvals; it can be tagged or deprecated once it is live (unjucks approve ${name}@${version})`
        : `${name}@${version} was rejected and never goes live`,
      'conflict',
    );
  return row;
}

/** The channel on which every replica hears about changes (payloads in search/sync.ts). */
export const CHANGES_CHANNEL = 'unjucks_registry_changes';

/**
 * Every write to a package calls this in its transaction: readers key their caches on the
 * revision, and the notification (delivered on commit) tells every replica's search index.
 *
 * `seen` says whether the change shows in what any reader of the package is served (a live
 * version, a tag, a deprecation, the maintainers, the visibility). Only those move `modified_at`,
 * which the documents show as `modified` and `_rev`: a staged release, a decision that leaves it
 * staged, a review rule or a team's grant would otherwise tell every reader of a public package
 * that something happened behind its access rules.
 *
 * `write` goes in the notification for a write that built its own snapshot (registry/snapshot.ts
 * expect). Answers the package row as it is now.
 */
export async function touchPackage(db: DbOrTx, packageId: number, seen: boolean, write?: string) {
  const notice = write === undefined ? { package: packageId } : { package: packageId, write };
  // All three go out together. The search document reads nothing the update changes but the
  // revision, which its final upsert reads, long after the update ran; the notification is sent
  // on commit whatever the order.
  const [[row]] = await Promise.all([
    rawRows(
      db,
      seen
        ? sql`update packages set modified_at = now(), revision = revision + 1 where id = ${packageId} returning ${PACKAGE_COLUMNS}`
        : sql`update packages set revision = revision + 1 where id = ${packageId} returning ${PACKAGE_COLUMNS}`,
    ),
    writeSearchDocuments(db, [packageId]),
    db.execute(sql`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify(notice)})`),
  ]);
  return row && decodePackage(row);
}
