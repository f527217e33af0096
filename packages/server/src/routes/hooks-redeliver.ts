import { HookDeliveryParams, HookDeliverySchema } from '@unjucks/core/api-schemas';
import { redeliver } from '../hooks/subscriptions.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/hooks/:id/deliveries/:delivery/redeliver — queues the delivery again, same event id. */
export function hooksRedeliver(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/hooks/{id}/deliveries/{delivery}/redeliver',
      summary: 'Queue a delivery again',
      tags: ['hooks'],
      auth: { kind: 'token', action: 'owners' },
      errors: ['conflict'],
      params: HookDeliveryParams,
      responses: { 200: { description: 'The delivery, pending again.', schema: HookDeliverySchema } },
      middleware: [audited('hook.redeliver', (c) => ({ target: `hook:${c.req.param('id')}` }))],
    },
    async (c) => {
      const { id, delivery } = c.req.valid('param');
      return c.json(await redeliver(c.get('registry'), c.get('actor'), id, delivery));
    },
  );
}
