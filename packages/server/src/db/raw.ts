import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from './database.js';

/*
 * Statements written as `sql` templates, for the few that run on every publish: the query builder
 * spends 20-80 µs of the event loop building each statement (a template, 1-5 µs), which a read
 * waiting behind a publish pays for. Rows come back as Postgres names their columns; rowDecoder
 * turns them into the builder's shape with the columns' own decoders (JSON, timestamps as Date).
 */

/**
 * The rows of a statement, from either driver: postgres-js answers an array, PGlite `{ rows }`.
 * The statement is sent now, as the builder's `.execute()` sends one (`db.execute` alone waits
 * until it is awaited): statements started together reach a transaction's connection in the order
 * of these calls, which some callers rely on (registry/publish.ts).
 */
export async function rawRows<T = Record<string, unknown>>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query).execute()) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Values as a comma-separated list of parameters, for `in (...)` and `values ...` (never empty: check first). */
export const sqlList = (values: readonly unknown[], each: (v: unknown) => SQL = (v) => sql`${v}`): SQL => sql.join(values.map(each), sql`, `);

/**
 * A table's columns as a select list (`alias."name", ...`), in the order the builder selects them.
 * With `as`, each is named `as + name` (a join of tables with like-named columns, read back with
 * rowDecoder(table, as)); `expr` may replace a column's expression (given its reference).
 */
export function columnList(table: PgTable, alias?: string, as?: string, expr?: (key: string, ref: string) => string): SQL {
  const prefix = alias ? `${alias}.` : '';
  return sql.raw(
    Object.entries(getTableColumns(table))
      .map(([key, c]) => {
        const ref = `${prefix}"${c.name}"`;
        const e = expr ? expr(key, ref) : ref;
        return as === undefined ? e : `${e} as "${as}${c.name}"`;
      })
      .join(', '),
  );
}

/**
 * Decodes a row of `table` as the query builder would: keys in the schema's order and casing,
 * each non-null value through its column's decoder. `prefix` reads columns selected as `prefix + name`.
 */
export function rowDecoder<T extends PgTable>(table: T, prefix = ''): (raw: Record<string, unknown>) => T['$inferSelect'] {
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => [key, prefix + column.name, column] as const);
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (const [key, name, column] of columns) {
      const value = raw[name];
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return row as T['$inferSelect'];
  };
}
