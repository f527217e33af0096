import { HookDeliveryListSchema, HookParams } from '@unjucks/core/api-schemas';
import { listDeliveries } from '../hooks/subscriptions.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/hooks/:id/deliveries — the latest deliveries, each with every attempt (status, duration, response code, the start of the answer). */
export function hooksDeliveries(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/hooks/{id}/deliveries',
      summary: "List a webhook's deliveries and their attempts",
      tags: ['hooks'],
      auth: { kind: 'token', action: 'owners' },
      params: HookParams,
      responses: { 200: { description: 'Newest first, at most 100.', schema: HookDeliveryListSchema } },
    },
    async (c) => c.json(await listDeliveries(c.get('registry'), c.get('actor'), c.req.valid('param').id)),
  );
}
