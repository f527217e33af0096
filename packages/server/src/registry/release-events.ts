import type { ReviewDecision } from '@unjucks/core';
import type { Db } from '../db/database.js';

/** A change in a reviewed release's life, as the webhooks announce it. */
export type ReleaseTransition =
  | { kind: 'staged'; packageId: number; name: string; version: string; actor: string; requiredApprovals: number }
  | { kind: 'reviewed'; packageId: number; name: string; version: string; actor: string; decision: ReviewDecision; reason: string | null; approvals: number; requiredApprovals: number }
  | { kind: 'live'; packageId: number; name: string; version: string; actor: string; distTags: Record<string, string> }
  | { kind: 'rejected'; packageId: number; name: string; version: string; actor: string; reason: string };

/**
 * THE single call site for reviewed-release events: every transition (staged at publish, each
 * approval or rejection, going live, rejected for good) calls this inside the transaction that
 * makes the change, so an outbox row written here commits or rolls back with it.
 *
 * A no-op until the webhooks' emitEvent is merged; the lead wires it here (and only here).
 */
export async function onReleaseTransition(_tx: Db, _event: ReleaseTransition): Promise<void> {}
