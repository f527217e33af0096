import { InputError } from '@unjucks/core';
import { UnavailableError } from '../errors.js';
import type { MiddlewareHandler } from 'hono';
import type { TrustProxy } from '../client-address.js';
import type { AppEnv } from '../app-env.js';

export interface RequestLimits {
  maxUrlLength: number;
  /** Requests per minute per client IP and per token; 0 turns a limit off. */
  ratePerMinuteIp: number;
  ratePerMinuteToken: number;
  /** Publishes running at once on this replica, and how many more may wait for a slot. */
  maxConcurrentPublishes: number;
  maxQueuedPublishes: number;
  /** Password checks (logins and the like) one address may have running or waiting at once; 0 = no limit. */
  passwordChecksPerAddress?: number;
  /** Which hops of X-Forwarded-For to believe (TRUST_PROXY; see client-address.ts). */
  trustProxy: TrustProxy;
}

/**
 * A token bucket per key: `perMinute` requests a minute, in bursts of up to that many. Per replica:
 * behind a load balancer the effective limit is this times the replica count.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  /** Seconds to wait before retrying, or 0 when the request may go ahead (and is counted). */
  take(key: string, now = Date.now()): number {
    const b = this.refill(key, now);
    if (!b) return 0;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / (this.perMinute / 60_000) / 1000);
  }

  /** Whether take() would let the request go ahead now, counting nothing (a refill is no count). */
  allows(key: string, now = Date.now()): boolean {
    const b = this.refill(key, now);
    return !b || b.tokens >= 1;
  }

  /** The key's bucket, refilled up to now; null when there is no limit. */
  private refill(key: string, now: number): { tokens: number; at: number } | null {
    if (this.perMinute <= 0) return null;
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * (this.perMinute / 60_000));
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 50_000) this.buckets.delete(this.buckets.keys().next().value!);
    return b;
  }
}

/**
 * The per-address and per-token buckets of one app: shared by the middleware below and the hot
 * reads that skip the framework (hot-reads.ts), so a request counts once whichever way it goes.
 */
export interface RateLimiters {
  perIp: RateLimiter;
  perToken: RateLimiter;
}
export const rateLimiters = (limits: RequestLimits): RateLimiters => ({
  perIp: new RateLimiter(limits.ratePerMinuteIp),
  perToken: new RateLimiter(limits.ratePerMinuteToken),
});

/** Whether a request URL (as the framework sees it, with scheme and host) is within the limit. */
export const urlWithinLimit = (limits: RequestLimits, url: string) => url.length <= limits.maxUrlLength;

const tooMany = (message: string, retryAfter: number) => new InputError(message, 'rate_limited', { retryAfter });

/** URL length, per-IP rate: checked before anything else is done for the request. */
export function earlyLimits(limits: RequestLimits, perIp: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!urlWithinLimit(limits, c.req.url)) throw new InputError(`the URL is longer than ${limits.maxUrlLength} characters`, 'uri_too_long');
    const wait = perIp.take(c.get('ip'));
    if (wait > 0) throw tooMany(`too many requests from this address; retry in ${wait} s`, wait);
    return next();
  };
}

/** Per-token rate, after authentication has said who is asking. */
export function tokenLimits(perToken: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.get('actor');
    if (actor) {
      const wait = perToken.take(actor.jti);
      if (wait > 0) throw tooMany(`too many requests with this token; retry in ${wait} s`, wait);
    }
    return next();
  };
}

const QUEUE_WAIT_MS = 30_000;

/**
 * At most `max` publishes run at once on this replica (each holds a tarball in memory); up to
 * `maxQueued` more wait their turn, and past that, or after waiting too long, the client is told to
 * come back shortly. A burst is absorbed; an overload is refused early. Routes take a slot with
 * `publishSlot` only after the caller is known to be allowed to publish, so anonymous or unentitled
 * requests can never hold one.
 */
export function publishConcurrency(max: number, maxQueued: number): MiddlewareHandler<AppEnv> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const busy = () => new UnavailableError(`this replica is busy with ${max} publishes and ${waiting.length} waiting; retry shortly`, 1);
  return async (_c, next) => {
    if (max <= 0) return next();
    if (running >= max) {
      if (waiting.length >= maxQueued) throw busy();
      const turn = await new Promise<boolean>((resolve) => {
        const go = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(go), 1);
          resolve(false);
        }, QUEUE_WAIT_MS);
        waiting.push(go);
      });
      if (!turn) throw busy();
    } else running++;
    try {
      await next();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const nextInLine = waiting.shift();
      if (nextInLine) nextInLine();
      else running--;
    }
  };
}

/** Takes one of this replica's publish slots (see publishConcurrency) for the rest of the request. */
export const publishSlot: MiddlewareHandler<AppEnv> = (c, next) => {
  const slots = c.get('publishSlots');
  return slots ? slots(c, next) : next();
};

/**
 * A cheap guard in front of password hashing: one address may have at most `max` password checks
 * in flight, so it cannot fill the hashing queue alone (the queue itself is bounded for everyone;
 * failed-login throttling by account and address is separate, in the login code).
 */
export function passwordChecksPerAddress(max: number): MiddlewareHandler<AppEnv> {
  const inFlight = new Map<string, number>();
  return async (c, next) => {
    if (max <= 0) return next();
    const ip = c.get('ip');
    const n = inFlight.get(ip) ?? 0;
    if (n >= max) throw tooMany(`this address already has ${n} password checks running; wait for them to finish`, 1);
    inFlight.set(ip, n + 1);
    try {
      await next();
    } finally {
      const left = (inFlight.get(ip) ?? 1) - 1;
      if (left <= 0) inFlight.delete(ip);
      else inFlight.set(ip, left);
    }
  };
}

/**
 * Attached by each route that hashes a password before it answers (logins, password changes, npm
 * token minting): takes this replica's per-address guard (see passwordChecksPerAddress), if any.
 */
export const passwordCheck: MiddlewareHandler<AppEnv> = (c, next) => {
  const guard = c.get('passwordChecks');
  return guard ? guard(c, next) : next();
};
