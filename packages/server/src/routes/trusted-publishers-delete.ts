import { JsonObjectSchema, TrustedPublisherParams } from '@unjucks/core/api-schemas';
import { removeTrustedPublisher } from '../oidc/trusted-publishers.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/packages/:name/trusted-publishers/:id — stops trusting it; the tokens it minted stop working at once. */
export function trustedPublishersDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/packages/{name}/trusted-publishers/{id}',
      summary: 'Remove a trusted publisher and the tokens it minted (owners)',
      tags: ['trusted publishing'],
      auth: { kind: 'token', action: 'owners' },
      params: TrustedPublisherParams,
      responses: { 200: { description: 'Removed.', schema: JsonObjectSchema } },
      middleware: [audited('trusted-publisher.remove', packageTarget)],
    },
    async (c) => {
      const { name, id } = c.req.valid('param');
      c.set('audit', { detail: { id } });
      return c.json(await removeTrustedPublisher(c.get('registry'), c.get('actor'), name, id));
    },
  );
}
