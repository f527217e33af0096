import { PackageVersionParams, ReviewStateSchema } from '@unjucks/core/api-schemas';
import { decide } from '../registry/review.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/packages/:name/:version/approve — a maintainer other than the publisher approves a staged version. */
export function versionApprove(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/packages/{name}/{version}/approve',
      summary: 'Approve a staged version; it goes live when enough maintainers other than the publisher have approved it',
      tags: ['reviews'],
      auth: { kind: 'token', action: 'publish:update' },
      errors: ['conflict'],
      what: 'approving a release',
      params: PackageVersionParams,
      responses: {
        200: { description: "The version's review state after the approval (status live once enough approved).", schema: ReviewStateSchema },
      },
      middleware: [audited('version.approve', packageTarget)],
    },
    async (c) => {
      const { name, version } = c.req.valid('param');
      const state = await decide(c.get('registry'), c.get('actor'), name, version, 'approve', null);
      c.set('audit', {
        detail: { version, status: state.status, approvals: state.approvals.filter((a) => a.decision === 'approve').length, required: state.requiredApprovals },
      });
      return c.json(state);
    },
  );
}
