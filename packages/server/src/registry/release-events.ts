import type { ReviewDecision } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { emitEvent } from '../hooks/emit.js';

/** A change in a reviewed release's life, as the webhooks announce it. */
export type ReleaseTransition =
  | { kind: 'staged'; packageId: number; name: string; version: string; actor: string; requiredApprovals: number }
  | {
      kind: 'reviewed';
      packageId: number;
      name: string;
      version: string;
      actor: string;
      decision: ReviewDecision;
      reason: string | null;
      approvals: number;
      requiredApprovals: number;
    }
  | { kind: 'live'; packageId: number; name: string; version: string; actor: string; distTags: Record<string, string> }
  | { kind: 'rejected'; packageId: number; name: string; version: string; actor: string; reason: string };

/**
 * THE single call site for reviewed-release events: every transition (staged at publish, each
 * approval or rejection, going live, rejected for good) calls this inside the transaction that
 * makes the change, so the outbox row written here commits or rolls back with it. Receivers hear
 * `version.published` only when a version goes live: before that it cannot be installed.
 */
export async function onReleaseTransition(tx: Db, event: ReleaseTransition): Promise<void> {
  const base = { actor: event.actor, package: event.name, version: event.version };
  switch (event.kind) {
    case 'staged':
      await emitEvent(tx, { ...base, type: 'version.staged', data: { requiredApprovals: event.requiredApprovals } });
      return;
    case 'reviewed':
      // A rejection is announced once, as version.rejected (the 'rejected' transition that follows it).
      if (event.decision === 'approve')
        await emitEvent(tx, {
          ...base,
          type: 'version.approved',
          data: { approvals: event.approvals, requiredApprovals: event.requiredApprovals, reason: event.reason },
        });
      return;
    case 'live':
      await emitEvent(tx, { ...base, type: 'version.published', data: { 'dist-tags': event.distTags, reviewed: true } });
      return;
    case 'rejected':
      await emitEvent(tx, { ...base, type: 'version.rejected', data: { reason: event.reason } });
      return;
  }
}
