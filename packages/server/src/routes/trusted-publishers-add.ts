import { PackageNameParams, TrustedPublisherBody, TrustedPublisherSchema } from '@unjucks/core/api-schemas';
import { addTrustedPublisher } from '../oidc/trusted-publishers.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/packages/:name/trusted-publishers — { issuer, repository, repositoryOwnerId, workflow, environment? }; owners only. */
export function trustedPublishersAdd(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/packages/{name}/trusted-publishers',
      summary: 'Trust a CI job to publish the package with its OIDC ID token (owners)',
      tags: ['trusted publishing'],
      auth: { kind: 'token', action: 'owners' },
      errors: ['conflict'],
      what: 'adding a trusted publisher',
      params: PackageNameParams,
      body: TrustedPublisherBody,
      bodyExample:
        '{ "issuer": "github", "repository": "acme/react-gen", "repositoryOwnerId": "1234567", "workflow": "release.yml", "environment": "release" }',
      responses: { 201: { description: 'The trusted publisher.', schema: TrustedPublisherSchema } },
      middleware: [audited('trusted-publisher.add', packageTarget)],
    },
    async (c) => {
      const row = await addTrustedPublisher(c.get('registry'), c.get('actor'), c.req.valid('param').name, c.req.valid('json'));
      c.set('audit', {
        detail: {
          id: row.id,
          issuer: row.issuer,
          repository: row.repository,
          repositoryOwnerId: row.repositoryOwnerId,
          workflow: row.workflow,
          environment: row.environment,
        },
      });
      return c.json(row, 201);
    },
  );
}
