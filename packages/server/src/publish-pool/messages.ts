import { InputError, isInputError, type InputErrorCode, type PackageLimits } from '@unjucks/core';
import type { MessagePort } from 'node:worker_threads';
import type { Actor } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { pgErrorCode } from '../db/database.js';
import { connectionCode, UnavailableError } from '../errors.js';
import type { Committing, PublishOptions, Stored } from '../registry/publish.js';

/**
 * Each worker's database connections: a worker runs one publish at a time, whose checks use one
 * while validation runs and whose transaction holds one; a retry after a lost race reads on the other.
 */
export const CONNECTIONS_PER_WORKER = 2;

/** What a publish worker is started with: enough of the configuration to open its own database and store. */
export interface PublishWorkerInit {
  databaseUrl: string;
  databasePrepare: boolean;
  /** What the workers' connections are named (Database.connectionName), for the replica's metrics. */
  applicationName: string;
  s3: Config['s3'];
  dataDir: string;
  /** The BroadcastChannel on which the pool asks its workers to close their connections. */
  closeChannel: string;
  limits: PackageLimits;
  validation: Config['validation'];
}

/** One publish, as the event loop hands it over: the body's bytes move, they are not copied. */
export interface PublishTask {
  actor: Actor;
  bytes: Uint8Array;
  chunks: number[];
  opts: PublishOptions;
  write: string;
  /** The worker tells the replica what happens on it, in order, and last how it ended. */
  port: MessagePort;
}

/** A blob store operation the worker timed (seconds), or one that failed (seconds null). */
export type StorageOp = [op: string, seconds: number | null];

export type Ended = ({ stored: Stored } | { error: SentError }) & {
  /** The worker's own time on the task, in ms (the rest of the publish's wait is the queue). */
  ms: number;
  /** Queries the worker sent since its previous answer (unjucks_db_queries_total). */
  queries: number;
  storage: StorageOp[];
};

export type WorkerMessage =
  | { type: 'manifest'; name: string; version: string }
  | { type: 'committing'; committing: Committing }
  | { type: 'ended'; ended: Ended };

/** An error as it crosses the thread: structured clone keeps an Error's message but not its fields. */
export type SentError =
  | { kind: 'input'; message: string; code: InputErrorCode; details: Record<string, unknown> }
  | { kind: 'unavailable'; message: string; retryAfterSeconds: number }
  | { kind: 'error'; name: string; message: string; stack?: string; code?: string };

export function sendError(e: unknown): SentError {
  if (isInputError(e)) return { kind: 'input', message: e.message, code: e.code, details: e.details };
  if (e instanceof UnavailableError) return { kind: 'unavailable', message: e.message, retryAfterSeconds: e.retryAfterSeconds };
  const err = e instanceof Error ? e : new Error(String(e));
  // One code goes with it, the one it is known by: a lost connection's (a 503, not a 500,
  // isConnectionError), else a Postgres SQLSTATE (pgErrorCode), else its own, for the log.
  const own = (err as { code?: unknown }).code;
  const code = connectionCode(e) ?? pgErrorCode(e) ?? (typeof own === 'string' ? own : undefined);
  // Its causes (a driver's error under drizzle's) only as text, in the stack the log shows.
  let stack = err.stack;
  for (let cur = err.cause, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++)
    stack += `\ncaused by: ${cur instanceof Error ? (cur.stack ?? cur.message) : String(cur)}`;
  return { kind: 'error', name: err.name, message: err.message, stack, ...(code ? { code } : {}) };
}

/** The error again, as the event loop's error handler and the publish's callers expect it. */
export function receiveError(s: SentError): Error {
  if (s.kind === 'input') return new InputError(s.message, s.code, s.details);
  if (s.kind === 'unavailable') return new UnavailableError(s.message, s.retryAfterSeconds);
  const e = Object.assign(new Error(s.message), s.code ? { code: s.code } : {});
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}
