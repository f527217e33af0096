import { and, asc, eq, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import { scopeOf, type HookTarget } from '@unjucks/core';
import { recordAudit } from '../access/audit.js';
import type { KeyRing } from '../auth/keys.js';
import type { Db } from '../db/database.js';
import { rawRows } from '../db/raw.js';
import { hookAttempts, hookDeliveries, hookEvents, hookSubscriptions, users } from '../db/schema.js';
import { targetCovers, userMayWatch } from './entitlement.js';
import { renderDelivery } from './payload.js';
import { sendHook, type AttemptResult } from './send.js';
import { backoffMs, type WebhookSettings } from './settings.js';

/** Events fanned out, and deliveries claimed, per transaction. */
const BATCH = 50;
/** Deliveries of one replica in flight at once. */
const PARALLEL = 8;

/** How long a claimed delivery is this replica's: past it, another replica may try again (this one died). */
const leaseMs = (s: WebhookSettings) => s.timeoutMs * 2 + 10_000;

const targetOf = (row: { targetKind: HookTarget['kind']; target: string }): HookTarget => ({ kind: row.targetKind, name: row.target });

/** The events fanOut takes: not yet fanned out. */
const PENDING_EVENT = isNull(hookEvents.fannedOutAt);
/** The deliveries claimDue takes: pending, due, of an enabled hook (with hook_deliveries joined to hook_subscriptions). */
const DUE_DELIVERY = and(eq(hookDeliveries.status, 'pending'), lte(hookDeliveries.nextAttemptAt, sql`now()`), eq(hookSubscriptions.enabled, true))!;
const DELIVERY_HOOK = eq(hookSubscriptions.id, hookDeliveries.subscriptionId);

/**
 * Whether fanOut and claimDue have anything to do, by their own predicates: one round trip on the
 * partial indexes they read, no transaction and no lock. Each replica polls every WEBHOOK_POLL_MS,
 * and with nothing to do the two steps were two transactions of three round trips each, every
 * second on every replica: on a registry with no hooks, that was all the worker ever did. A stale
 * "no" waits one poll, as an event committed just after the steps ran always did.
 */
export async function hookWork(db: Db): Promise<{ events: boolean; due: boolean }> {
  const [row] = await rawRows<{ events: boolean; due: boolean }>(
    db,
    sql`select exists (select 1 from ${hookEvents} where ${PENDING_EVENT}) as events,
      exists (select 1 from ${hookDeliveries} inner join ${hookSubscriptions} on ${DELIVERY_HOOK} where ${DUE_DELIVERY}) as due`,
  );
  return { events: row?.events === true, due: row?.due === true };
}

/**
 * Turns new outbox events into one delivery per matching subscription, once: the event rows are
 * locked with SKIP LOCKED, so two replicas fan out different events, and `fanned_out_at` is set
 * in the same transaction as the deliveries are inserted. A subscription gets an event only while
 * its creator still holds the right on what it watches.
 */
export async function fanOut(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const events = await tx.select().from(hookEvents).where(PENDING_EVENT).orderBy(asc(hookEvents.at)).limit(BATCH).for('update', { skipLocked: true });
    if (events.length === 0) return 0;
    const subs = await tx.select().from(hookSubscriptions).where(eq(hookSubscriptions.enabled, true));
    const entitled = new Map<number, Promise<boolean>>();
    const rows: { eventId: string; subscriptionId: number }[] = [];
    for (const e of events) {
      for (const s of subs) {
        // A hook hears of changes made after it was created, never of older ones not yet fanned out.
        if (e.at < s.createdAt || !s.events.includes(e.type) || !targetCovers(targetOf(s), e)) continue;
        if (!entitled.has(s.id)) entitled.set(s.id, s.createdBy === null ? Promise.resolve(false) : userMayWatch(tx, s.createdBy, targetOf(s)));
        if (await entitled.get(s.id)) rows.push({ eventId: e.id, subscriptionId: s.id });
      }
    }
    if (rows.length) await tx.insert(hookDeliveries).values(rows);
    await tx
      .update(hookEvents)
      .set({ fannedOutAt: new Date() })
      .where(
        inArray(
          hookEvents.id,
          events.map((e) => e.id),
        ),
      );
    return events.length;
  });
}

/**
 * Claims due deliveries of enabled hooks: locked with SKIP LOCKED (another replica's claim is
 * skipped, never waited on) and leased by moving `next_attempt_at` ahead, all in one short
 * transaction; the sending happens after it commits, holding no lock or connection.
 */
export async function claimDue(db: Db, settings: WebhookSettings): Promise<number[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: hookDeliveries.id })
      .from(hookDeliveries)
      .innerJoin(hookSubscriptions, DELIVERY_HOOK)
      .where(DUE_DELIVERY)
      .orderBy(asc(hookDeliveries.nextAttemptAt))
      .limit(BATCH)
      .for('update', { of: hookDeliveries, skipLocked: true });
    if (due.length === 0) return [];
    const ids = due.map((d) => d.id);
    await tx
      .update(hookDeliveries)
      .set({ nextAttemptAt: sql`now() + ${`${leaseMs(settings)} milliseconds`}::interval` })
      .where(inArray(hookDeliveries.id, ids));
    return ids;
  });
}

/**
 * Makes one attempt of a delivery and records it: the attempt row, the delivery's new state (done,
 * retried later with backoff, or given up), and the hook's run of failures. The hook is disabled
 * at `disableAfter` consecutive failures, with an audit record its owners can read.
 */
export async function attemptDelivery(
  db: Db,
  keys: KeyRing,
  settings: WebhookSettings,
  deliveryId: number,
  opts: { retry: boolean },
): Promise<AttemptResult | null> {
  const [row] = await db
    .select({ d: hookDeliveries, e: hookEvents, s: hookSubscriptions })
    .from(hookDeliveries)
    .innerJoin(hookEvents, eq(hookEvents.id, hookDeliveries.eventId))
    .innerJoin(hookSubscriptions, eq(hookSubscriptions.id, hookDeliveries.subscriptionId))
    .where(eq(hookDeliveries.id, deliveryId));
  if (!row || row.d.status !== 'pending') return null;
  // Checked again at every attempt, not only at fan-out: a delivery queued (or retrying) when the
  // hook's creator lost the right to watch its target must not carry the event out afterwards.
  if (row.s.createdBy === null || !(await userMayWatch(db, row.s.createdBy, targetOf(row.s)))) {
    const error = `not sent: the hook's creator no longer holds the owner right on ${row.s.target}; an owner may remove the hook and create it again`;
    await db.transaction(async (tx) => {
      await tx.insert(hookAttempts).values({ deliveryId, ok: false, durationMs: 0, responseCode: null, responseStart: null, error });
      await tx
        .update(hookDeliveries)
        .set({ status: 'failed', tries: sql`${hookDeliveries.tries} + 1`, nextAttemptAt: null })
        .where(eq(hookDeliveries.id, deliveryId));
    });
    return { ok: false, durationMs: 0, responseCode: null, responseStart: null, error };
  }
  const secret = keys.openSecret(row.s.secret);
  let result: AttemptResult;
  if (secret === null) {
    result = {
      ok: false,
      durationMs: 0,
      responseCode: null,
      responseStart: null,
      error: 'the hook secret cannot be unsealed (SIGNING_KEY_SECRET changed); remove the hook and create it again',
    };
  } else {
    const { body, headers } = renderDelivery(row.e, row.s, deliveryId, secret);
    result = await sendHook(row.s.url, body, headers, {
      allowPrivate: settings.allowPrivate,
      resolve: settings.resolve ?? undefined,
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
    });
  }
  await db.transaction(async (tx) => {
    await tx.insert(hookAttempts).values({
      deliveryId,
      ok: result.ok,
      durationMs: result.durationMs,
      responseCode: result.responseCode,
      responseStart: result.responseStart,
      error: result.error,
    });
    if (result.ok) {
      await tx
        .update(hookDeliveries)
        .set({ status: 'delivered', tries: sql`${hookDeliveries.tries} + 1`, nextAttemptAt: null })
        .where(eq(hookDeliveries.id, deliveryId));
      // A successful ping brings back a hook that failures disabled.
      await tx
        .update(hookSubscriptions)
        .set({ consecutiveFailures: 0, ...(row.e.type === 'ping' ? { enabled: true, disabledReason: null } : {}) })
        .where(eq(hookSubscriptions.id, row.s.id));
      return;
    }
    const tries = row.d.tries + 1;
    const giveUp = !opts.retry || tries >= settings.maxAttempts;
    await tx
      .update(hookDeliveries)
      .set(giveUp ? { status: 'failed', tries, nextAttemptAt: null } : { tries, nextAttemptAt: new Date(Date.now() + backoffMs(settings, tries)) })
      .where(eq(hookDeliveries.id, deliveryId));
    const [sub] = await tx
      .update(hookSubscriptions)
      .set({ consecutiveFailures: sql`${hookSubscriptions.consecutiveFailures} + 1` })
      .where(eq(hookSubscriptions.id, row.s.id))
      .returning();
    if (sub && sub.enabled && sub.consecutiveFailures >= settings.disableAfter) {
      const reason = `disabled after ${sub.consecutiveFailures} consecutive failed deliveries; the last: ${result.error ?? 'no answer'}`;
      await tx
        .update(hookSubscriptions)
        .set({ enabled: false, disabledReason: reason.slice(0, 500) })
        .where(eq(hookSubscriptions.id, sub.id));
      const [owner] = sub.createdBy === null ? [] : await tx.select({ name: users.name }).from(users).where(eq(users.id, sub.createdBy));
      await recordAudit(tx, {
        actor: owner?.name ?? null,
        tokenId: null,
        ip: null,
        action: 'hook.disabled',
        target: `hook:${sub.id}`,
        org: sub.targetKind === 'org' ? sub.target : scopeOf(sub.target),
        outcome: 'failed',
        status: result.responseCode ?? 0,
        detail: {
          url: sub.url,
          watches: sub.target,
          failures: sub.consecutiveFailures,
          lastError: result.error,
          fix: `fix the receiver, then "unjucks hook test ${sub.id}" re-enables it`,
        },
      });
    }
  });
  return result;
}

/** How long events (with their deliveries and attempts) are kept: the history `hook deliveries` shows. */
export const EVENT_RETENTION_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/** Drops events older than the retention, and with them their deliveries and attempts (ON DELETE CASCADE). */
export async function pruneEvents(db: Db, olderThan = new Date(Date.now() - EVENT_RETENTION_MS)): Promise<number> {
  const gone = await db.delete(hookEvents).where(lt(hookEvents.at, olderThan)).returning({ id: hookEvents.id });
  return gone.length;
}

/**
 * The delivery loop of one replica: fan out new events, claim due deliveries, send them (a few
 * at a time), sleep `pollMs`, again. Every replica runs one; the locks above keep them apart.
 */
export class HookWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly keys: KeyRing,
    private readonly settings: WebhookSettings,
    private readonly onError: (e: unknown) => void,
  ) {}

  start() {
    this.schedule(0);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch(this.onError)
        .finally(() => {
          this.running = null;
          this.schedule(this.settings.pollMs);
        });
    }, ms);
    this.timer.unref();
  }

  private lastPrune = 0;

  /** One round; returns how many deliveries it attempted. */
  async tick(): Promise<number> {
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneEvents(this.db);
    }
    const work = await hookWork(this.db);
    if (work.events) while ((await fanOut(this.db)) === BATCH && !this.stopped);
    // Events just fanned out may have made deliveries that are due at once.
    if (!work.events && !work.due) return 0;
    let attempted = 0;
    for (;;) {
      const ids = this.stopped ? [] : await claimDue(this.db, this.settings);
      if (ids.length === 0) return attempted;
      for (let i = 0; i < ids.length; i += PARALLEL)
        await Promise.all(ids.slice(i, i + PARALLEL).map((id) => attemptDelivery(this.db, this.keys, this.settings, id, { retry: true }).catch(this.onError)));
      attempted += ids.length;
      if (ids.length < BATCH) return attempted;
    }
  }

  /** Stops claiming; an attempt in flight finishes and is recorded. */
  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
