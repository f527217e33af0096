import { DistTagsSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { getDistTags } from '../registry/tags.js';
import type { App } from '../app-env.js';
import { jsonWithEtag } from './json.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name/dist-tags */
export function distTagsGet(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/dist-tags',
      summary: 'List the dist-tags of a package',
      tags: ['dist-tags'],
      auth: { kind: 'anonymous' },
      params: PackageNameParams,
      responses: { 200: { description: 'Tag → version.', schema: DistTagsSchema }, 304: { description: 'Not modified (If-None-Match).' } },
    },
    async (c) => jsonWithEtag(c, await getDistTags(c.get('registry'), c.get('actor'), c.req.valid('param').name)),
  );
}
