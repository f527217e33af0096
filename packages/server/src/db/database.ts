import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';
import { acquireLock, type Lock } from './embedded-lock.js';
import { tracePglite, tracePostgres } from '../tracing/db.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** An open transaction: a helper that takes `Tx` must run inside one (its locks and reads depend on it). */
export type Tx = PgTransaction<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;
/** For helpers that run inside a transaction or outside one alike. */
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Where it lives, for logs: the data folder, or the URL without its password. */
  describe: string;
  /** Set for the embedded database: the process lock this process holds on it. */
  lock: Lock | null;
  /** Applies every pending migration from migrations/. Safe to run from many replicas at once. */
  migrate(): Promise<void>;
  /** Cheap round trip, to tell whether the database answers. */
  ping(): Promise<void>;
  /**
   * LISTENs on a channel. `onListen` runs each time the listening connection is (re)established:
   * notifications sent while it was down are lost, so that is when a listener resyncs.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListen: () => void): Promise<() => Promise<void>>;
  /**
   * A listening connection whose state is known, for caches that must stop trusting themselves the
   * moment notifications may be missed: `down` when it closes, `up` after each (re)LISTEN, and
   * `heartbeat` is a round trip on that very connection (an answer proves it still delivers).
   */
  watch(channel: string, handlers: WatchHandlers): Promise<Watch>;
  /** This process's connections to the database by state, and the most it opens. */
  poolStats(): Promise<{ active: number; idle: number; max: number }>;
  /**
   * The application_name for another pool of this process (openPostgres's `name`), such as each
   * publish worker's, so that connectionsOf(role) counts its connections with this one's.
   */
  connectionName(role: string): string;
  /** The connections opened under connectionName(role), by state, from pg_stat_activity. */
  connectionsOf(role: string): Promise<{ active: number; idle: number }>;
  close(): Promise<void>;
}

export interface WatchHandlers {
  notify(payload: string): void;
  up(): void;
  down(): void;
}

export interface Watch {
  heartbeat(): Promise<void>;
  close(): Promise<void>;
}

const POOL_MAX = 10;

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../../migrations', import.meta.url));

// Any fixed number: every replica takes the same advisory lock while migrating.
const MIGRATION_LOCK_ID = 720_431_977;

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/**
 * The client as the registry uses it: every query counted (the metric), and with `prepare`, sent
 * as a prepared statement. Drizzle asks postgres-js for unnamed statements, and postgres-js then
 * describes each query with parameters before it binds it: two round trips per query, and a
 * transaction's queries cannot be pipelined. Prepared, a query is one round trip (Parse, Bind and
 * Execute together the first time, Bind and Execute after), and queries issued together in a
 * transaction go out together. Statements are kept per connection by their text, which the query
 * builder makes from code, not data; connections are recycled (postgres-js max_lifetime, 30-60
 * minutes), which bounds what the server keeps.
 *
 * Counted here rather than with postgres-js's `debug` hook, which also makes it capture a stack
 * trace (`new Error()`) for every query.
 */
function instrumented<T extends import('postgres').Sql>(sql: T, prepare: boolean, onQuery: () => void): T {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe')
        return (query: string, params?: unknown[], options?: { prepare?: boolean }) => {
          onQuery();
          return target.unsafe(query, params as never, prepare ? { ...options, prepare: true } : options);
        };
      if (prop === 'begin' || prop === 'savepoint')
        return (...args: unknown[]) => {
          const callback = args.pop() as (tx: import('postgres').Sql) => unknown;
          return (Reflect.get(target, prop) as (...a: unknown[]) => unknown)(...args, (tx: import('postgres').Sql) =>
            callback(instrumented(tx, prepare, onQuery)),
          );
        };
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * `pool.max`: the most connections it opens (10); `pool.name`: its connections' application_name,
 * one another pool of this process gave (connectionName: a publish worker's is that pool's name
 * and `/publish`), else one of its own, unique to it.
 */
export async function openPostgres(
  url: string,
  onQuery: () => void = () => undefined,
  prepare = true,
  /** `name`: the application_name to use, one a Database gave (connectionName); else one of its own. */
  pool: { max?: number; name?: string } = {},
): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const max = pool.max ?? POOL_MAX;
  // A name unique to this pool, so pg_stat_activity tells its connections from every other replica's.
  const applicationName = pool.name ?? `unjucks-registry/${process.pid}/${Math.random().toString(36).slice(2, 8)}`;
  const connections = async (name: string) => {
    const rows = await client<{ state: string | null; n: number }[]>`
      select state, count(*)::int as n from pg_stat_activity where application_name = ${name} group by state`;
    const active = rows.filter((r) => r.state !== 'idle').reduce((s, r) => s + r.n, 0);
    const idle = rows.filter((r) => r.state === 'idle').reduce((s, r) => s + r.n, 0);
    return { active, idle };
  };
  const client = postgres(url, {
    max,
    onnotice: () => undefined,
    connect_timeout: 10,
    connection: { application_name: applicationName },
    // DATABASE_PREPARE=false: a pooler that cannot keep named statements (PgBouncer before 1.21 in transaction mode).
    ...(prepare ? {} : { prepare: false }),
  });
  // With tracing on, every query the registry makes is a span (tracing/db.ts); else the client as it is.
  const db = drizzle({ client: tracePostgres(instrumented(client, prepare, onQuery)), schema });
  return {
    db,
    kind: 'postgres',
    describe: `Postgres at ${redact(url)}`,
    lock: null,
    async migrate() {
      const { migrate } = await import('drizzle-orm/postgres-js/migrator');
      // A single connection, so the advisory lock and the migration share one session.
      const one = postgres(url, { max: 1, onnotice: () => undefined });
      try {
        await one`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
        await migrate(drizzle({ client: one }), { migrationsFolder: MIGRATIONS_DIR });
        await one`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
      } finally {
        await one.end();
      }
    },
    async ping() {
      await client`select 1`;
    },
    async poolStats() {
      // Sampled on scrape: postgres-js keeps its pool queues private, and the server sees them exactly.
      return { ...(await connections(applicationName)), max };
    },
    connectionName: (role) => `${applicationName}/${role}`,
    connectionsOf: (role) => connections(`${applicationName}/${role}`),
    async listen(channel, onNotify, onListen) {
      const { unlisten } = await client.listen(channel, onNotify, onListen);
      return unlisten;
    },
    async watch(channel, h) {
      let closing = false;
      let reconnecting = false;
      let listening: Promise<void> | null = null;
      // postgres-js takes onnotify (every notification on the connection) but its types omit it.
      const options: Parameters<typeof postgres>[1] & { onnotify: (channel: string, payload: string) => void } = {
        max: 1,
        idle_timeout: 0,
        max_lifetime: null,
        connect_timeout: 10,
        fetch_types: false,
        onnotice: () => undefined,
        // The listener names itself apart from the pool, so an operator (or a test) can find and cut it.
        connection: { application_name: `${applicationName}/listen` },
        onnotify: (ch, payload) => {
          if (ch === channel) h.notify(payload);
        },
        onclose: () => {
          // Each failed reconnect closes the connection again: one loop (and one "down") per outage,
          // not a new loop per attempt, which while the database was gone multiplied loops, log
          // lines and memory (a replica reached 900 MB in 20 minutes).
          if (closing || reconnecting) return;
          reconnecting = true;
          h.down();
          listening = null;
          void relisten().finally(() => (reconnecting = false));
        },
      };
      const conn = postgres(url, options);
      const listenOnce = async () => {
        await conn.unsafe(`listen "${channel.replace(/"/g, '""')}"`);
        h.up();
      };
      const relisten = async () => {
        for (let delay = 100; !closing; delay = Math.min(delay * 2, 5000)) {
          try {
            await (listening ??= listenOnce());
            return;
          } catch {
            listening = null;
            await new Promise((r) => setTimeout(r, delay).unref());
          }
        }
      };
      await (listening = listenOnce());
      return {
        heartbeat: async () => {
          await conn`select 1`;
        },
        close: async () => {
          closing = true;
          await conn.end({ timeout: 1 });
        },
      };
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** Extensions every PGlite needs: pg_trgm is bundled with PGlite but must be loaded (migration 0008 creates it). */
export async function pgliteExtensions() {
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  return { pg_trgm };
}

export async function openPglite(dataDir: string, holder: string): Promise<Database> {
  const lock = acquireLock(dataDir, holder);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const dir = join(dataDir, 'pg');
    mkdirSync(dir, { recursive: true });
    const client = await PGlite.create(dir, { extensions: await pgliteExtensions() });
    const db = drizzle({ client: tracePglite(client), schema });
    return {
      db,
      kind: 'pglite',
      describe: `embedded PGlite in ${dir}`,
      lock,
      async migrate() {
        const { migrate } = await import('drizzle-orm/pglite/migrator');
        await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_DIR });
      },
      async ping() {
        await client.query('select 1');
      },
      async poolStats() {
        // One in-process connection, always open.
        return { active: 0, idle: 1, max: 1 };
      },
      // No other pool can share an embedded database.
      connectionName: (role) => `unjucks-registry/embedded/${role}`,
      connectionsOf: async () => ({ active: 0, idle: 0 }),
      async listen(channel, onNotify, onListen) {
        const unlisten = await client.listen(channel, onNotify);
        onListen();
        return () => unlisten();
      },
      async watch(channel, h) {
        // In-process: a notification is heard as soon as its transaction commits, and the connection cannot drop.
        const unlisten = await client.listen(channel, (payload) => h.notify(payload));
        h.up();
        return { heartbeat: async () => undefined, close: () => unlisten() };
      },
      async close() {
        try {
          await client.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Postgres when a URL is given, else the embedded PGlite in `dataDir/pg`. */
export const openDatabase = (opts: {
  databaseUrl: string | null;
  databasePrepare?: boolean;
  dataDir: string;
  holder: string;
  onQuery?: () => void;
}): Promise<Database> =>
  opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.onQuery, opts.databasePrepare ?? true) : openPglite(opts.dataDir, opts.holder);

/** The Postgres error code of a failed query, looking through drizzle's wrapper. */
export function pgErrorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
