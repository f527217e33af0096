import { PackageNameParams, TrustedPublisherListSchema } from '@unjucks/core/api-schemas';
import { listTrustedPublishers } from '../oidc/trusted-publishers.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name/trusted-publishers — the CI jobs trusted to publish the package; owners only. */
export function trustedPublishersList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/trusted-publishers',
      summary: "List a package's trusted publishers (owners)",
      tags: ['trusted publishing'],
      auth: { kind: 'token', action: 'owners' },
      params: PackageNameParams,
      responses: { 200: { description: 'The trusted publishers.', schema: TrustedPublisherListSchema } },
    },
    async (c) => c.json(await listTrustedPublishers(c.get('registry'), c.get('actor'), c.req.valid('param').name)),
  );
}
