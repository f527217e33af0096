import { and, desc, eq, gte, inArray, lt, lte, type SQL } from 'drizzle-orm';
import { InputError } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
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

export async function recordAudit(db: Db, entry: AuditEntry) {
  await db.insert(auditLog).values({ ...entry, detail: entry.detail ?? null });
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
  if (!actsAsAdmin(a)) {
    assertTokenAllows(a, 'owners', null);
    const owned = await db
      .select({ name: orgs.name })
      .from(orgMembers)
      .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
      .where(and(eq(orgMembers.userId, a.userId), eq(orgMembers.role, 'owner')));
    visibleOrgs = owned.map((o) => o.name);
    if (visibleOrgs.length === 0) throw new InputError(`user ${a.userName} is neither a registry admin (with a token holding "admin") nor an owner of an org, so has no audit records to read`, 403, 'forbidden');
    if (q.org && !visibleOrgs.includes(q.org)) throw new InputError(`user ${a.userName} is not an owner of org ${q.org}`, 403, 'forbidden');
  }
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InputError('limit must be a whole number from 1 to 1000');
  const before = q.before === undefined ? undefined : Number(q.before);
  if (before !== undefined && !Number.isInteger(before)) throw new InputError('before must be a record id');
  if (q.outcome && !['ok', 'denied', 'failed'].includes(q.outcome)) throw new InputError('outcome must be ok, denied or failed');
  const since = date(q.since, 'since');
  const until = date(q.until, 'until');
  const where: (SQL | undefined)[] = [
    visibleOrgs ? inArray(auditLog.org, visibleOrgs) : undefined,
    q.actor ? eq(auditLog.actor, q.actor) : undefined,
    q.action ? eq(auditLog.action, q.action) : undefined,
    q.target ? eq(auditLog.target, q.target) : undefined,
    q.org ? eq(auditLog.org, q.org) : undefined,
    q.outcome ? eq(auditLog.outcome, q.outcome as 'ok') : undefined,
    since ? gte(auditLog.at, since) : undefined,
    until ? lte(auditLog.at, until) : undefined,
    before !== undefined ? lt(auditLog.id, before) : undefined,
  ];
  const rows = await db.select().from(auditLog).where(and(...where)).orderBy(desc(auditLog.id)).limit(limit);
  return {
    records: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
    next: rows.length === limit ? rows[rows.length - 1]!.id : null,
  };
}
