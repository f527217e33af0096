import type { Sql } from 'postgres';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Attributes, Span } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import { childSpan, failSpan, span, SpanKind, tracingActive, tracingOn } from './index.js';

/** What a statement's span says about it, worked out once per statement text (texts come from code). */
interface Statement {
  name: string;
  attributes: Attributes;
}
const statements = new Map<string, Statement>();

const TABLE: Record<string, RegExp> = {
  SELECT: /\bfrom\s+"?([a-z_][a-z0-9_]*)/i,
  INSERT: /^\s*insert\s+into\s+"?([a-z_][a-z0-9_]*)/i,
  UPDATE: /^\s*update\s+"?([a-z_][a-z0-9_]*)/i,
  DELETE: /^\s*delete\s+from\s+"?([a-z_][a-z0-9_]*)/i,
};

/** A statement's operation, and its text from there: a `with` query's is the statement after its last CTE. */
function operationOf(text: string): [operation: string, body: string] {
  const first = /^\s*([a-z]+)/i.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  if (first !== 'WITH') return [first, text];
  const main = [...text.matchAll(/\)\s*(select|insert|update|delete)\b/gi)].pop();
  if (!main) return [first, text];
  return [main[1]!.toUpperCase(), text.slice(main.index + main[0].length - main[1]!.length)];
}

/**
 * The span name and attributes of one statement: its operation and main table (`SELECT packages`,
 * as the database semantic conventions name query spans) and its text. Drizzle sends every value
 * as a bind parameter, so the text holds placeholders (`$1`) and never a value; the parameters
 * themselves are not recorded.
 */
export function statementOf(text: string): Statement {
  let s = statements.get(text);
  if (s) return s;
  const [operation, body] = operationOf(text);
  const table = TABLE[operation]?.exec(body)?.[1];
  const summary = table ? `${operation} ${table}` : operation;
  s = {
    name: summary,
    attributes: {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      // The older name, still what many backends group database spans by.
      'db.system': DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      [ATTR_DB_OPERATION_NAME]: operation,
      ...(table ? { [ATTR_DB_COLLECTION_NAME]: table } : {}),
      [ATTR_DB_QUERY_SUMMARY]: summary,
      [ATTR_DB_QUERY_TEXT]: text,
    },
  };
  // Bounded: statement texts are a fixed set in practice, but an IN list's length varies.
  if (statements.size >= 1000) statements.clear();
  statements.set(text, s);
  return s;
}

function querySpan(text: string): Span | null {
  const s = statementOf(text);
  return childSpan(s.name, SpanKind.CLIENT, s.attributes);
}

function endQuery(span: Span, e?: unknown) {
  if (e !== undefined) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, code);
    failSpan(span, e);
  }
  span.end();
}

/**
 * A postgres-js client whose every query, in a transaction or not, is a span (when something is
 * being traced: childSpan). This is the one place drizzle's queries go through (`unsafe`, and
 * `begin`/`savepoint` for transactions); a transaction is a span of its own, its queries inside.
 * Installed only with tracing on (db/database.ts).
 */
export function tracePostgres<T extends Sql>(sql: T): T {
  if (!tracingOn) return sql;
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe')
        return (text: string, params?: unknown[], options?: object) => {
          const query = target.unsafe(text, params as never, options as never);
          const span = querySpan(text);
          if (!span) return query;
          // A postgres-js query runs when it is first awaited; its result settles the span. Its
          // own `then` is wrapped (drizzle awaits the query, or `.values()`, which is the same
          // object): the one public hook on when a query ends, where the driver has no end event.
          const then = query.then;
          let settled = false;
          // biome-ignore lint/suspicious/noThenProperty: the query is a promise already; this wraps its own then.
          query.then = function (this: typeof query, ok?: ((v: unknown) => unknown) | null, fail?: ((e: unknown) => unknown) | null) {
            return then.call(
              this,
              (v) => {
                if (!settled) endQuery(span);
                settled = true;
                return ok ? ok(v) : v;
              },
              (e: unknown) => {
                if (!settled) endQuery(span, e);
                settled = true;
                if (fail) return fail(e);
                throw e;
              },
            ) as never;
          } as typeof query.then;
          return query;
        };
      if (prop === 'begin' || prop === 'savepoint')
        return (...args: unknown[]) => {
          const callback = args.pop() as (tx: Sql) => unknown;
          const run = () => (Reflect.get(target, prop) as (...a: unknown[]) => Promise<unknown>)(...args, (tx: Sql) => callback(tracePostgres(tx)));
          return transactionSpan(prop, run);
        };
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** A transaction's span, current while it runs so its queries are its children. */
function transactionSpan<T>(kind: 'begin' | 'savepoint', run: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return run();
  return span(kind === 'begin' ? 'db.transaction' : 'db.savepoint', { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL }, run);
}

/** The same for the embedded PGlite: drizzle calls `query` and `transaction` on it. */
export function tracePglite<T extends PGlite | Transaction>(client: T): T {
  if (!tracingOn) return client;
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'query')
        return async (text: string, ...rest: unknown[]) => {
          const span = querySpan(text);
          const run = () => (target.query as (...a: unknown[]) => Promise<unknown>).call(target, text, ...rest);
          if (!span) return run();
          try {
            const result = await run();
            endQuery(span);
            return result;
          } catch (e) {
            endQuery(span, e);
            throw e;
          }
        };
      if (prop === 'transaction' && 'transaction' in target)
        return <R>(callback: (tx: Transaction) => Promise<R>) =>
          transactionSpan('begin', () => (target as PGlite).transaction((tx) => callback(tracePglite(tx))));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
