import { HookCreateBody, HookCreatedSchema } from '@unjucks/core/api-schemas';
import { createHook, hookOrg } from '../hooks/subscriptions.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/hooks — { org | package | pattern, url, events?, format? } → the hook and its secret, shown once. */
export function hooksCreate(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/hooks',
      summary: 'Create a webhook on an org, a package or a name pattern (owners)',
      tags: ['hooks'],
      auth: { kind: 'token', action: 'owners' },
      errors: ['conflict'],
      what: 'creating a webhook',
      body: HookCreateBody,
      bodyExample: '{ "org": "acme", "url": "https://hooks.example.com/registry", "events": ["version.published"], "format": "json" }',
      responses: { 201: { description: 'The hook, with its signing secret (shown once).', schema: HookCreatedSchema } },
      middleware: [audited('hook.create')],
    },
    async (c) => {
      const hook = await createHook(c.get('registry'), c.get('actor'), c.req.valid('json'));
      // The origin only: a hook URL's path is often its credential (Slack's is), and audit records are kept for good.
      c.set('audit', {
        target: `hook:${hook.id}`,
        org: hookOrg({ targetKind: hook.target.kind, target: hook.target.name }),
        detail: { watches: hook.target, url: new URL(hook.url).origin, events: hook.events, format: hook.format },
      });
      return c.json(hook, 201);
    },
  );
}
