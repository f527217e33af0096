import type { Resolver } from './ssrf.js';

/** How this replica delivers webhooks (README: "Webhooks" lists the variables). */
export interface WebhookSettings {
  /** WEBHOOK_ALLOW_PRIVATE: loopback and private receivers allowed (tests, closed networks). */
  allowPrivate: boolean;
  /** Tests point host names anywhere with this; null: the system resolver. */
  resolve: Resolver | null;
  /** WEBHOOK_TIMEOUT_MS: one attempt, answer included. */
  timeoutMs: number;
  /** WEBHOOK_RESPONSE_MAX_BYTES: the most of an answer read. */
  maxResponseBytes: number;
  /** WEBHOOK_MAX_ATTEMPTS: attempts of one delivery before it is given up as failed. */
  maxAttempts: number;
  /** WEBHOOK_RETRY_BASE_MS / WEBHOOK_RETRY_MAX_MS: the backoff doubles from base up to max, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** WEBHOOK_DISABLE_AFTER: consecutive failed attempts that disable a subscription. */
  disableAfter: number;
  /** WEBHOOK_POLL_MS: how often the worker looks for events and due deliveries. */
  pollMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivate: false,
  resolve: null,
  timeoutMs: 5000,
  maxResponseBytes: 64 * 1024,
  maxAttempts: 8,
  retryBaseMs: 10_000,
  retryMaxMs: 3_600_000,
  disableAfter: 20,
  pollMs: 1000,
};

/** The wait before attempt `tries + 1`: exponential from base, capped, with full jitter in its upper half (so replicas and receivers do not retry in step). */
export function backoffMs(s: Pick<WebhookSettings, 'retryBaseMs' | 'retryMaxMs'>, tries: number, random = Math.random): number {
  const ceiling = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.max(0, tries - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
