import { PackageVersionParams, RejectBody, ReviewStateSchema } from '@unjucks/core/api-schemas';
import { decide } from '../registry/review.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/packages/:name/:version/reject — { reason }: the staged version stays out for good. */
export function versionReject(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/packages/{name}/{version}/reject',
      summary: 'Reject a staged version with a reason; it never goes live and its number stays taken',
      tags: ['reviews'],
      auth: { kind: 'token', action: 'publish:update' },
      errors: ['conflict'],
      what: 'rejecting a release',
      params: PackageVersionParams,
      body: RejectBody,
      bodyExample: '{ "reason": "why it must not go out" }',
      responses: {
        200: { description: "The version's review state: rejected.", schema: ReviewStateSchema },
      },
      middleware: [audited('version.reject', packageTarget)],
    },
    async (c) => {
      const { name, version } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      c.set('audit', { detail: { version, reason } });
      return c.json(await decide(c.get('registry'), c.get('actor'), name, version, 'reject', reason));
    },
  );
}
