import { isInputError, scopeOf } from '@unjucks/core';
import type { MiddlewareHandler } from 'hono';
import { outcomeOf, recordAudit } from '../access/audit.js';
import type { AppEnv, Ctx } from '../app-env.js';
import { loggableError } from '../log.js';

export interface AuditTarget {
  target: string | null;
  /** The org whose owners may read the record. */
  org?: string | null;
}

/** The target of a package route: the package, and its scope's org. */
export const packageTarget = (c: Ctx): AuditTarget => {
  const name = c.req.param('name') ?? null;
  return { target: name, org: name ? scopeOf(name) : null };
};
export const orgTarget = (c: Ctx): AuditTarget => ({ target: `@${c.req.param('org')}`, org: c.req.param('org') ?? null });

/**
 * Records the request in the audit log once it has an answer: who (user, token, address), what,
 * on what, and how it ended; refused and failed attempts included. Handlers may add details, or
 * name a target only they know (a publish), with c.set('audit', ...).
 *
 * A record needs an identity: the token's user, or the account a request named (a login names
 * the account it tries). A request with neither (anonymous, refused) is counted in
 * unjucks_audit_skipped_total instead, so outsiders cannot grow the append-only log row by row.
 */
export function audited(action: string, target: (c: Ctx) => AuditTarget = () => ({ target: null })): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const actor = c.get('actor');
    const extra = c.get('audit') ?? {};
    const base = target(c);
    const status = c.res.status;
    if (!actor && !extra.actor) {
      c.get('registry').metrics.auditSkipped.inc({ action: extra.action ?? action, status: String(status) });
      return;
    }
    const error = c.error ? (isInputError(c.error) ? c.error.message : 'internal error') : null;
    // A CI job acting through an exchanged token is named on every record it causes.
    const via = actor?.trustedPublisherId ? { trustedPublisher: actor.trustedPublisherId } : null;
    try {
      await recordAudit(c.get('registry').db, {
        actor: actor?.userName ?? extra.actor ?? null,
        tokenId: actor?.jti ?? null,
        ip: c.get('ip'),
        action: extra.action ?? action,
        target: extra.target ?? base.target,
        org: extra.org ?? base.org ?? null,
        outcome: outcomeOf(status),
        status,
        detail: error || extra.detail || via ? { ...via, ...extra.detail, ...(error ? { error } : {}) } : null,
      });
    } catch (e) {
      // The write itself is done and answered; a lost record is logged loudly, not turned into a failure.
      console.error(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'audit record lost', action, error: loggableError(e) }));
    }
  };
}
