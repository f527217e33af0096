import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { InputError, orgNameProblem, parseEventTypes, parseName, patternProblem, scopeOf, type HookTarget } from '@unjucks/core';
import type { HookCreateRequest } from '@unjucks/core/api-schemas';
import { actsAsAdmin, assertTokenAllows, requireActor } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import { hookAttempts, hookDeliveries, hookEvents, hookSubscriptions, orgMembers, orgs, users } from '../db/schema.js';
import type { RegistryContext } from '../registry/context.js';
import { assertTokenMayWatch, userMayWatch } from './entitlement.js';
import { checkHookUrl } from './ssrf.js';
import { attemptDelivery } from './worker.js';

type SubscriptionRow = typeof hookSubscriptions.$inferSelect;

/** At most this many hooks per target: each event is sent to every one of them. */
const MAX_HOOKS_PER_TARGET = 20;

/** Package and pattern targets inside @org/ (a prefix compare: `_` in an org name is no LIKE wildcard). */
const inScope = (org: string) => sql`left(${hookSubscriptions.target}, ${org.length + 2}) = ${`@${org}/`}`;

const hidden = (id: number) => new InputError(`hook ${id} not found`, 'not_found');

function targetOf(body: Pick<HookCreateRequest, 'org' | 'package' | 'pattern'>): HookTarget {
  const given = (['org', 'package', 'pattern'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) throw new InputError('name exactly one of org, package or pattern: what the hook watches');
  const kind = given[0]!;
  const name = body[kind]!;
  if (kind === 'org') {
    const problem = orgNameProblem(name.replace(/^@/, ''));
    if (problem) throw new InputError(problem);
    return { kind, name: name.replace(/^@/, '') };
  }
  if (kind === 'package') {
    parseName(name);
    return { kind, name };
  }
  const problem = patternProblem(name);
  if (problem) throw new InputError(problem);
  return { kind, name };
}

export const hookTarget = (row: Pick<SubscriptionRow, 'targetKind' | 'target'>): HookTarget => ({ kind: row.targetKind, name: row.target });

/** The org whose owners read a hook's audit records. */
export const hookOrg = (row: Pick<SubscriptionRow, 'targetKind' | 'target'>) => (row.targetKind === 'org' ? row.target : scopeOf(row.target));

function view(row: SubscriptionRow, createdBy: string | null) {
  return {
    id: row.id,
    target: hookTarget(row),
    url: row.url,
    events: row.events,
    format: row.format,
    enabled: row.enabled,
    consecutiveFailures: row.consecutiveFailures,
    disabledReason: row.disabledReason,
    createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

async function assertMayWatch(ctx: RegistryContext, actor: Actor | null, target: HookTarget): Promise<Actor> {
  const a = requireActor(actor, 'managing webhooks');
  assertTokenMayWatch(a, target);
  if (actsAsAdmin(a) || (await userMayWatch(ctx.db, a.userId, target))) return a;
  const needs =
    target.kind === 'org'
      ? `the owner role in org ${target.name}`
      : target.kind === 'package'
        ? `the owner role on ${target.name}`
        : scopeOf(target.name)
          ? `the owner role in org ${scopeOf(target.name)}`
          : "a registry admin (a pattern over unscoped names may cover anyone's packages; watch your package by name instead)";
  // A private package must not be revealed to someone who cannot see it: the package answers as missing.
  throw new InputError(`user ${a.userName} may not watch ${target.kind === 'org' ? `@${target.name}` : target.name}: that needs ${needs}`, 'forbidden');
}

/**
 * Creates a hook. The secret is generated here and returned this once; the registry keeps it
 * sealed, as it must sign every delivery with it. The URL is checked against SSRF now and again
 * before every delivery.
 */
export async function createHook(ctx: RegistryContext, actor: Actor | null, body: HookCreateRequest) {
  const target = targetOf(body);
  const a = await assertMayWatch(ctx, actor, target);
  const events = parseEventTypes(body.events, target.kind);
  const checked = await checkHookUrl(body.url, { allowPrivate: ctx.webhooks.allowPrivate, resolve: ctx.webhooks.resolve ?? undefined });
  const [{ n }] = (await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(hookSubscriptions)
    .where(and(eq(hookSubscriptions.targetKind, target.kind), eq(hookSubscriptions.target, target.name)))) as [{ n: number }];
  if (n >= MAX_HOOKS_PER_TARGET) throw new InputError(`${target.name} already has ${n} hooks, the most one target may have; remove one first`, 'conflict');
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const [row] = await ctx.db
    .insert(hookSubscriptions)
    .values({
      targetKind: target.kind,
      target: target.name,
      events,
      url: checked.url.toString(),
      format: body.format ?? 'json',
      secret: ctx.keys.sealSecret(secret),
      createdBy: a.userId,
    })
    .returning();
  return { ...view(row!, a.userName), secret };
}

/**
 * The hooks the actor manages: all for an admin; else those they created and those on their
 * orgs' scopes, each kept only while they still hold the right on its target.
 */
export async function listHooks(ctx: RegistryContext, actor: Actor | null, q: { org?: string; package?: string }) {
  const a = requireActor(actor, 'listing webhooks');
  assertTokenAllows(a, 'owners', null);
  const filters: (SQL | undefined)[] = [
    q.org ? or(and(eq(hookSubscriptions.targetKind, 'org'), eq(hookSubscriptions.target, q.org)), inScope(q.org)) : undefined,
    q.package ? and(eq(hookSubscriptions.targetKind, 'package'), eq(hookSubscriptions.target, q.package)) : undefined,
  ];
  if (!actsAsAdmin(a)) {
    const owned = (
      await ctx.db
        .select({ name: orgs.name })
        .from(orgMembers)
        .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
        .where(and(eq(orgMembers.userId, a.userId), eq(orgMembers.role, 'owner')))
    ).map((o) => o.name);
    filters.push(
      or(
        eq(hookSubscriptions.createdBy, a.userId),
        owned.length ? and(eq(hookSubscriptions.targetKind, 'org'), inArray(hookSubscriptions.target, owned)) : undefined,
        ...owned.map(inScope),
      ),
    );
  }
  const rows = await ctx.db
    .select({ s: hookSubscriptions, by: users.name })
    .from(hookSubscriptions)
    .leftJoin(users, eq(users.id, hookSubscriptions.createdBy))
    .where(and(...filters))
    .orderBy(hookSubscriptions.id)
    .limit(500);
  const out = [];
  for (const r of rows) if (actsAsAdmin(a) || (await userMayWatch(ctx.db, a.userId, hookTarget(r.s)))) out.push(view(r.s, r.by));
  return { hooks: out };
}

/** A hook the actor may manage (the right on its target, now); anyone else is told it does not exist. */
export async function findManagedHook(ctx: RegistryContext, actor: Actor | null, id: number): Promise<{ actor: Actor; hook: SubscriptionRow }> {
  const a = requireActor(actor, 'managing webhooks');
  assertTokenAllows(a, 'owners', null);
  const [row] = Number.isSafeInteger(id) && id > 0 ? await ctx.db.select().from(hookSubscriptions).where(eq(hookSubscriptions.id, id)) : [];
  if (!row) throw hidden(id);
  const target = hookTarget(row);
  if (!actsAsAdmin(a) && !(await userMayWatch(ctx.db, a.userId, target))) throw hidden(id);
  assertTokenMayWatch(a, target);
  return { actor: a, hook: row };
}

export async function deleteHook(ctx: RegistryContext, actor: Actor | null, id: number) {
  const { hook } = await findManagedHook(ctx, actor, id);
  // Its pending deliveries, events kept for it (pings) and attempts go with it (ON DELETE CASCADE).
  await ctx.db.delete(hookSubscriptions).where(eq(hookSubscriptions.id, hook.id));
  return { id, removed: true, target: hookTarget(hook) };
}

/**
 * Sends a ping to the hook now and answers with the attempt. A ping that succeeds re-enables a
 * hook that failures disabled: that is how an owner brings it back after fixing the receiver.
 */
export async function pingHook(ctx: RegistryContext, actor: Actor | null, id: number) {
  const { actor: a, hook } = await findManagedHook(ctx, actor, id);
  const eventId = randomUUID();
  const deliveryId = await ctx.db.transaction(async (tx) => {
    await tx
      .insert(hookEvents)
      .values({ id: eventId, type: 'ping', actor: a.userName, org: hookOrg(hook), data: { hook: hook.id }, subscriptionId: hook.id, fannedOutAt: new Date() });
    // Sent below by this request, not by a worker: a worker would take it only once its lease ran out.
    const [d] = await tx
      .insert(hookDeliveries)
      .values({ eventId, subscriptionId: hook.id, nextAttemptAt: sql`now() + interval '1 hour'` })
      .returning({ id: hookDeliveries.id });
    return d!.id;
  });
  await attemptDelivery(ctx.db, ctx.keys, ctx.webhooks, deliveryId, { retry: false });
  const [delivery] = await deliveriesOf(ctx, hook.id, [deliveryId]);
  return delivery!;
}

async function deliveriesOf(ctx: RegistryContext, hookId: number, only?: number[]) {
  const rows = await ctx.db
    .select({ d: hookDeliveries, e: { id: hookEvents.id, type: hookEvents.type, at: hookEvents.at } })
    .from(hookDeliveries)
    .innerJoin(hookEvents, eq(hookEvents.id, hookDeliveries.eventId))
    .where(and(eq(hookDeliveries.subscriptionId, hookId), only ? inArray(hookDeliveries.id, only) : undefined))
    .orderBy(desc(hookDeliveries.id))
    .limit(100);
  const attempts = rows.length
    ? await ctx.db
        .select()
        .from(hookAttempts)
        .where(
          inArray(
            hookAttempts.deliveryId,
            rows.map((r) => r.d.id),
          ),
        )
        .orderBy(hookAttempts.id)
    : [];
  return rows.map(({ d, e }) => ({
    id: d.id,
    event: { id: e.id, type: e.type, time: e.at.toISOString() },
    status: d.status,
    nextAttemptAt: d.status === 'pending' && d.nextAttemptAt ? d.nextAttemptAt.toISOString() : null,
    attempts: attempts
      .filter((x) => x.deliveryId === d.id)
      .map((x) => ({
        at: x.at.toISOString(),
        ok: x.ok,
        durationMs: x.durationMs,
        responseCode: x.responseCode,
        responseStart: x.responseStart,
        error: x.error,
      })),
  }));
}

/** The hook's latest 100 deliveries, newest first, each with every attempt. */
export async function listDeliveries(ctx: RegistryContext, actor: Actor | null, id: number) {
  const { hook } = await findManagedHook(ctx, actor, id);
  return { deliveries: await deliveriesOf(ctx, hook.id) };
}

/** Queues a delivery again (same event id, so receivers can tell it is one they may have seen). */
export async function redeliver(ctx: RegistryContext, actor: Actor | null, id: number, deliveryId: number) {
  const { hook } = await findManagedHook(ctx, actor, id);
  if (!Number.isSafeInteger(deliveryId) || deliveryId <= 0) throw new InputError(`delivery ${deliveryId} of hook ${id} not found`, 'not_found');
  if (!hook.enabled)
    throw new InputError(
      `hook ${id} is disabled (${hook.disabledReason ?? 'by failures'}); fix the receiver and run "unjucks hook test ${id}", which re-enables it when the ping succeeds`,
      'conflict',
    );
  const updated = await ctx.db
    .update(hookDeliveries)
    .set({ status: 'pending', tries: 0, nextAttemptAt: sql`now()` })
    .where(and(eq(hookDeliveries.id, deliveryId), eq(hookDeliveries.subscriptionId, hook.id)))
    .returning({ id: hookDeliveries.id });
  if (!updated.length) throw new InputError(`delivery ${deliveryId} of hook ${id} not found`, 'not_found');
  const [delivery] = await deliveriesOf(ctx, hook.id, [deliveryId]);
  return delivery!;
}
