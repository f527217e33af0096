import { HookParams, JsonObjectSchema } from '@unjucks/core/api-schemas';
import { deleteHook } from '../hooks/subscriptions.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/hooks/:id — removes the hook with its pending deliveries. */
export function hooksDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/hooks/{id}',
      summary: 'Remove a webhook',
      tags: ['hooks'],
      auth: { kind: 'token', action: 'owners' },
      params: HookParams,
      responses: { 200: { description: 'The removed hook.', schema: JsonObjectSchema } },
      middleware: [audited('hook.delete', (c) => ({ target: `hook:${c.req.param('id')}` }))],
    },
    async (c) => c.json(await deleteHook(c.get('registry'), c.get('actor'), c.req.valid('param').id)),
  );
}
