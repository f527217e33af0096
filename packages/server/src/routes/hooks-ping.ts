import { HookDeliverySchema, HookParams } from '@unjucks/core/api-schemas';
import { pingHook } from '../hooks/subscriptions.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/hooks/:id/ping — sends a ping now and answers with the attempt; a success re-enables a disabled hook. */
export function hooksPing(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/hooks/{id}/ping',
      summary: 'Send a test delivery (ping) to a webhook now',
      tags: ['hooks'],
      auth: { kind: 'token', action: 'owners' },
      params: HookParams,
      responses: { 200: { description: 'The ping delivery and its attempt.', schema: HookDeliverySchema } },
      middleware: [audited('hook.ping', (c) => ({ target: `hook:${c.req.param('id')}` }))],
    },
    async (c) => c.json(await pingHook(c.get('registry'), c.get('actor'), c.req.valid('param').id)),
  );
}
