import { createHmac } from 'node:crypto';
import { describeEvent, HOOK_HEADERS, type DeliveredEventType, type HookEventBody } from '@unjucks/core';
import type { hookEvents, hookSubscriptions } from '../db/schema.js';

type EventRow = typeof hookEvents.$inferSelect;
type SubscriptionRow = typeof hookSubscriptions.$inferSelect;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the time is signed too, so a receiver can refuse old (replayed) deliveries. */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export function eventBody(e: EventRow, sub: Pick<SubscriptionRow, 'id'>, deliveryId: number): HookEventBody {
  return {
    id: e.id,
    type: e.type as DeliveredEventType,
    time: e.at.toISOString(),
    actor: e.actor,
    package: e.package ? { name: e.package, version: e.version } : null,
    org: e.org,
    data: e.data,
    hook: { id: sub.id },
    delivery: { id: deliveryId },
  };
}

/**
 * Slack reads `<...>` in message text as a control sequence (`<!channel>` notifies everyone,
 * `<https://x|text>` shows text for a link elsewhere) and asks for &, < and > escaped. A
 * deprecation message or a rejection reason is anyone-with-a-role's text: it is shown, not obeyed.
 */
export const slackText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The body and headers of one delivery, in the subscription's format, signed with its secret. */
export function renderDelivery(e: EventRow, sub: Pick<SubscriptionRow, 'id' | 'format'>, deliveryId: number, secret: string, now = Date.now()) {
  const event = eventBody(e, sub, deliveryId);
  const body = JSON.stringify(sub.format === 'slack' ? { text: slackText(describeEvent(event)) } : event);
  const headers = {
    [HOOK_HEADERS.signature]: signatureHeader(secret, body, Math.floor(now / 1000)),
    [HOOK_HEADERS.event]: event.type,
    [HOOK_HEADERS.eventId]: event.id,
    [HOOK_HEADERS.delivery]: String(deliveryId),
  };
  return { body, headers };
}
