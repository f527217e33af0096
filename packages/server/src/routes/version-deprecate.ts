import { DeprecateBody, JsonObjectSchema, PackageVersionParams } from '@unjucks/core/api-schemas';
import { deprecateVersion } from '../registry/tags.js';
import type { App } from '../app-env.js';
import { audited, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/** POST /api/v1/packages/:name/:version/deprecate — { message }; an empty message lifts it. */
export function versionDeprecate(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/packages/{name}/{version}/deprecate',
      summary: 'Deprecate a version (an empty message lifts it)',
      tags: ['packages'],
      auth: { kind: 'token', action: 'deprecate' },
      what: 'deprecating a version',
      params: PackageVersionParams,
      body: DeprecateBody,
      bodyExample: '{ "message": "..." }',
      responses: { 200: { description: 'The version and its message.', schema: JsonObjectSchema } },
      middleware: [audited('version.deprecate', packageTarget)],
    },
    async (c) => {
      const { name, version } = c.req.valid('param');
      const { message } = c.req.valid('json');
      c.set('audit', { detail: { version, message } });
      return c.json(await deprecateVersion(c.get('registry'), c.get('actor'), name, version, message));
    },
  );
}
