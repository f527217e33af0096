import { OrgListSchema } from '@unjucks/core/api-schemas';
import { listOrgs } from '../access/orgs.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/orgs — the orgs you belong to, with your role (every org for an admin). */
export function orgsList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/orgs',
      summary: 'List your orgs and roles (every org for an admin)',
      tags: ['orgs'],
      auth: { kind: 'token' },
      responses: { 200: { description: 'The result.', schema: OrgListSchema } },
    },
    async (c) => c.json(await listOrgs(c.get('registry').db, c.get('actor'))),
  );
}
