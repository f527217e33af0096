import { JsonObjectSchema, PackageVersionParams } from '@unjucks/core/api-schemas';
import { getReport } from '../registry/read.js';
import type { App } from '../app-env.js';
import { sendRendered } from './json.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name/:version/report — the validation report stored at publish. */
export function versionReport(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/{version}/report',
      summary: 'Read the validation report stored at publish',
      tags: ['packages'],
      auth: { kind: 'anonymous' },
      params: PackageVersionParams,
      responses: { 200: { description: 'The validation report.', schema: JsonObjectSchema }, 304: { description: 'Not modified (If-None-Match).' } },
    },
    async (c) => {
      const { name, version } = c.req.valid('param');
      return sendRendered(c, await getReport(c.get('registry'), c.get('actor'), name, version));
    },
  );
}
