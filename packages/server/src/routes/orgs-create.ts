import { createOrg } from '../access/orgs.js';
import type { App } from './app-env.js';
import { audited } from './audited.js';
import { readJson } from './json.js';

/** POST /api/v1/orgs — { name }: claims the scope @name; the caller becomes its owner. */
export function orgsCreate(app: App) {
  app.post('/api/v1/orgs', audited('org.create'), async (c) => {
    const body = (await readJson(c, '{ "name": "acme" }')) as Record<string, unknown>;
    if (typeof body?.name === 'string') c.set('audit', { target: `@${body.name}`, org: body.name });
    return c.json(await createOrg(c.get('registry').db, c.get('actor'), body ?? {}), 201);
  });
}
