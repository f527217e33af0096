import { DistTagBody, DistTagsSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { setDistTag } from '../registry/tags.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** PUT /api/v1/packages/:name/dist-tags/:tag — body "1.2.3" (as npm sends it) or { "version": "1.2.3" }. */
export function distTagsPut(app: App) {
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/packages/{name}/dist-tags/{tag}',
      summary: 'Point a dist-tag at a version',
      tags: ['dist-tags'],
      auth: { kind: 'token', action: 'tags' },
      errors: ['conflict'],
      what: 'setting a dist-tag',
      params: PackageNameParams.extend({ tag: z.string().min(1) }),
      body: DistTagBody,
      bodyExample: 'the version as a JSON string, or { "version": "1.2.3" }',
      responses: { 200: { description: 'The dist-tags after the change.', schema: DistTagsSchema } },
      middleware: [audited('dist-tag.set', packageTarget)],
    },
    async (c) => {
      const { name, tag } = c.req.valid('param');
      const body = c.req.valid('json');
      const version = typeof body === 'string' ? body : body.version;
      c.set('audit', { detail: { tag, version } });
      return c.json(await setDistTag(c.get('registry'), c.get('actor'), name, tag, version));
    },
  );
}
