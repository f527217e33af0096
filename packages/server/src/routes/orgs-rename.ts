import { renameOrg } from '../access/org-rename.js';
import { assertAdmin } from '../access/users.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';
import { readJson } from './json.js';

/** POST /api/v1/orgs/:org/rename — { name }: renames the org and moves its scope's packages; admins only. */
export function orgsRename(app: App) {
  app.post('/api/v1/orgs/:org/rename', audited('org.rename', orgTarget), async (c) => {
    assertAdmin(c.get('actor'), 'renaming an org');
    const body = (await readJson(c, '{ "name": "new-name" }')) as Record<string, unknown>;
    c.set('audit', { detail: { to: body?.name } });
    const r = await renameOrg(c.get('registry').db, c.req.param('org'), body?.name);
    c.set('audit', { detail: { to: r.to, packages: r.packages.length, tokens: r.tokens } });
    return c.json(r);
  });
}
