import { timingSafeEqual } from 'node:crypto';
import { InputError } from '@unjucks/core';
import type { Metrics } from '../metrics.js';
import type { App } from '../app-env.js';

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** GET /metrics — Prometheus text format; with METRICS_TOKEN set, only for "Authorization: Bearer <it>". */
export function metricsRoute(app: App, metrics: Metrics, token: string | null) {
  app.get('/metrics', async (c) => {
    if (token) {
      const sent = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!same(sent, token)) throw new InputError('the metrics need the token set in METRICS_TOKEN; send "Authorization: Bearer <it>"', 'unauthorized');
    }
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });
}
