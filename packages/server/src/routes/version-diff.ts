import { DiffQuery, PackageVersionParams, VersionDiffSchema } from '@unjucks/core/api-schemas';
import { diffVersions } from '../registry/diff.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name/:version/diff?from=V — what changed from V to this version. */
export function versionDiff(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/{version}/diff',
      summary: 'Compare two versions: files added, removed and changed (unified diffs of text), capability and finding changes',
      tags: ['reviews'],
      auth: { kind: 'anonymous' },
      params: PackageVersionParams,
      query: DiffQuery,
      responses: { 200: { description: 'The differences from `from` to this version.', schema: VersionDiffSchema } },
    },
    async (c) => {
      const { name, version } = c.req.valid('param');
      // A staged version's contents are for its reviewers: never let a shared cache keep them.
      c.header('Cache-Control', 'private, no-cache');
      return c.json(await diffVersions(c.get('registry'), c.get('actor'), name, c.req.valid('query').from, version));
    },
  );
}
