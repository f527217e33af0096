import { HookListSchema, HooksListQuery } from '@unjucks/core/api-schemas';
import { listHooks } from '../hooks/subscriptions.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/hooks[?org=O|?package=P] — the hooks you manage (never their secrets). */
export function hooksList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/hooks',
      summary: 'List the webhooks you manage',
      tags: ['hooks'],
      auth: { kind: 'token', action: 'owners' },
      what: 'listing webhooks',
      query: HooksListQuery,
      responses: { 200: { description: 'Hooks, never their secrets.', schema: HookListSchema } },
    },
    async (c) => c.json(await listHooks(c.get('registry'), c.get('actor'), c.req.valid('query'))),
  );
}
