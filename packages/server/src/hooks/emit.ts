import { randomUUID } from 'node:crypto';
import { scopeOf, type EventType } from '@unjucks/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';

/** A transaction or the database: emitEvent only inserts, so anything that can run a statement will do. */
export type Tx = Pick<Db, 'execute'>;

export interface RegistryEvent {
  type: EventType;
  /** The user who made the change (their name), or null for the registry itself. */
  actor: string | null;
  package?: string | null;
  version?: string | null;
  /** Defaults to the package's scope; token events name the org whose packages the token is limited to. */
  org?: string | null;
  data?: Record<string, unknown>;
}

/**
 * Writes an event to the outbox. Call it inside the transaction that makes the change: the event
 * then exists exactly when the change committed (a rollback takes it away too), and the delivery
 * workers (hooks/worker.ts) announce it to the subscriptions that match. Returns the event id.
 */
export async function emitEvent(tx: Tx, event: RegistryEvent): Promise<string> {
  const id = randomUUID();
  const pkg = event.package ?? null;
  const org = event.org !== undefined ? event.org : pkg ? scopeOf(pkg) : null;
  // A template, not the query builder (db/raw.ts): every publish writes one. `data` is jsonb, as the builder sends it.
  await tx.execute(sql`insert into hook_events (id, type, actor, package, version, org, data)
    values (${id}, ${event.type}, ${event.actor}, ${pkg}, ${event.version ?? null}, ${org}, ${JSON.stringify(event.data ?? {})})`);
  return id;
}
