import { DistTagsSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { removeDistTag } from '../registry/tags.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** DELETE /api/v1/packages/:name/dist-tags/:tag */
export function distTagsDelete(app: App) {
  nativeRoute(
    app,
    {
      method: 'delete',
      path: '/api/v1/packages/{name}/dist-tags/{tag}',
      summary: 'Remove a dist-tag',
      tags: ['dist-tags'],
      auth: { kind: 'token', action: 'tags' },
      what: 'removing a dist-tag',
      params: PackageNameParams.extend({ tag: z.string().min(1) }),
      responses: { 200: { description: 'The dist-tags left.', schema: DistTagsSchema } },
      middleware: [audited('dist-tag.remove', packageTarget)],
    },
    async (c) => {
      const { name, tag } = c.req.valid('param');
      c.set('audit', { detail: { tag } });
      return c.json(await removeDistTag(c.get('registry'), c.get('actor'), name, tag));
    },
  );
}
