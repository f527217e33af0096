import { PackageNameParams, ReviewListSchema } from '@unjucks/core/api-schemas';
import { listReviews } from '../registry/review.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name/reviews — staged and rejected versions with their approvals, for maintainers. */
export function packageReviews(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/reviews',
      summary: 'List staged and rejected versions with their approvals and report summary (maintainers; empty for others)',
      tags: ['reviews'],
      auth: { kind: 'anonymous' },
      params: PackageNameParams,
      responses: { 200: { description: 'The versions waiting for review, and the rejected ones.', schema: ReviewListSchema } },
    },
    async (c) => {
      c.header('Cache-Control', 'private, no-store');
      return c.json(await listReviews(c.get('registry'), c.get('actor'), c.req.valid('param').name));
    },
  );
}
