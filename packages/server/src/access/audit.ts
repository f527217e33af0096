import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { InputError } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { rawRows } from '../db/raw.js';
import { auditLog, orgMembers, orgs } from '../db/schema.js';
import { actsAsAdmin, assertTokenAllows, requireActor } from './rights.js';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditEntry {
  actor: string | null;
  tokenId: string | null;
  ip: string | null;
  action: string;
  target: string | null;
  org: string | null;
  outcome: AuditOutcome;
  status: number;
  detail?: Record<string, unknown> | null;
}

export const outcomeOf = (status: number): AuditOutcome => (status < 400 ? 'ok' : status === 401 || status === 403 ? 'denied' : 'failed');

/** The most an audit record keeps of what an outsider can make long (README: "Audit log"). */
export const AUDIT_LIMITS = { actor: 128, ip: 64, target: 256, org: 128, detailString: 256, detailBytes: 2048 } as const;

/** Cut to `max`, with NUL (which a Postgres text column refuses) shown as U+FFFD. */
const clip = (raw: string | null, max: number) => {
  const s = raw?.replaceAll('\0', '\uFFFD') ?? null;
  return s !== null && s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

function clipDetail(detail: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!detail) return null;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return clip(v, AUDIT_LIMITS.detailString);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= 4) return '…';
    if (Array.isArray(v)) return v.slice(0, 20).map((x) => walk(x, depth + 1));
    return Object.fromEntries(
      Object.entries(v)
        .slice(0, 20)
        .map(([k, x]) => [clip(k, 64)!, walk(x, depth + 1)]),
    );
  };
  const out = walk(detail, 0) as Record<string, unknown>;
  const text = JSON.stringify(out);
  if (Buffer.byteLength(text) <= AUDIT_LIMITS.detailBytes) return out;
  return { truncated: true, preview: clip(text, AUDIT_LIMITS.detailBytes / 2) };
}

/**
 * An audit record cut to size: the log is append-only, so nothing in it may be as long as an
 * outsider cares to make it. Strings get an ellipsis where they were cut.
 */
export function boundedAuditEntry(entry: AuditEntry): AuditEntry {
  return {
    ...entry,
    actor: clip(entry.actor, AUDIT_LIMITS.actor),
    ip: clip(entry.ip, AUDIT_LIMITS.ip),
    action: clip(entry.action, 64)!,
    target: clip(entry.target, AUDIT_LIMITS.target),
    org: clip(entry.org, AUDIT_LIMITS.org),
    detail: clipDetail(entry.detail),
  };
}

export async function recordAudit(db: Db, entry: AuditEntry) {
  const b = boundedAuditEntry(entry);
  // A template, not the query builder (db/raw.ts): every audited request writes one. `detail` is jsonb, as the builder sends it.
  await rawRows(
    db,
    sql`insert into audit_log (actor, token_id, ip, action, target, org, outcome, status, detail)
      values (${b.actor}, ${b.tokenId}, ${b.ip}, ${b.action}, ${b.target}, ${b.org}, ${b.outcome}, ${b.status}, ${b.detail ? JSON.stringify(b.detail) : null})`,
  );
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  org?: string;
  outcome?: string;
  since?: string;
  until?: string;
  before?: string;
  limit?: string;
}

function date(text: string | undefined, name: string): Date | undefined {
  if (!text) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new InputError(`${name} must be an ISO date such as 2026-11-28T12:00:00Z, got ${JSON.stringify(text)}`);
  return d;
}

/**
 * Audit records, newest first, filtered. Admins read every record; org owners read the records
 * of their orgs. Page with `before` = the last id seen.
 */
export async function listAudit(db: Db, actor: Actor | null, q: AuditQuery) {
  const a = requireActor(actor, 'reading the audit log');
  let visibleOrgs: string[] | null = null;
  let ownedSince: SQL | undefined;
  if (!actsAsAdmin(a)) {
    assertTokenAllows(a, 'owners', null);
    const owned = await db
      .select({ name: orgs.name, createdAt: orgs.createdAt })
      .from(orgMembers)
      .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
      .where(and(eq(orgMembers.userId, a.userId), eq(orgMembers.role, 'owner')));
    visibleOrgs = owned.map((o) => o.name);
    // Records find their org by name, and a rename frees the old one for anyone to take: an org
    // reads only what was recorded under its name since it was created, never a former holder's.
    ownedSince = or(...owned.map((o) => and(eq(auditLog.org, o.name), gte(auditLog.at, o.createdAt))));
    if (visibleOrgs.length === 0)
      throw new InputError(
        `user ${a.userName} is neither a registry admin (with a token holding "admin") nor an owner of an org, so has no audit records to read`,
        'forbidden',
      );
    if (q.org && !visibleOrgs.includes(q.org)) throw new InputError(`user ${a.userName} is not an owner of org ${q.org}`, 'forbidden');
  }
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InputError('limit must be a whole number from 1 to 1000');
  const before = q.before === undefined ? undefined : Number(q.before);
  if (before !== undefined && !Number.isInteger(before)) throw new InputError('before must be a record id');
  if (q.outcome && !['ok', 'denied', 'failed'].includes(q.outcome)) throw new InputError('outcome must be ok, denied or failed');
  const since = date(q.since, 'since');
  const until = date(q.until, 'until');
  const where: (SQL | undefined)[] = [
    ownedSince,
    q.actor ? eq(auditLog.actor, q.actor) : undefined,
    q.action ? eq(auditLog.action, q.action) : undefined,
    q.target ? eq(auditLog.target, q.target) : undefined,
    q.org ? eq(auditLog.org, q.org) : undefined,
    q.outcome ? eq(auditLog.outcome, q.outcome as 'ok') : undefined,
    since ? gte(auditLog.at, since) : undefined,
    until ? lte(auditLog.at, until) : undefined,
    before !== undefined ? lt(auditLog.id, before) : undefined,
  ];
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(limit);
  return {
    records: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
    next: rows.length === limit ? rows[rows.length - 1]!.id : null,
  };
}
