import { grantScope } from '../access/grants.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';
import { readJson } from './json.js';

/** PUT /api/v1/orgs/:org/access/:team — { role }: a team's role on every package of the scope; owners only. */
export function scopeAccessPut(app: App) {
  app.put('/api/v1/orgs/:org/access/:team', audited('scope.grant', orgTarget), async (c) => {
    const body = (await readJson(c, '{ "role": "owner|maintainer|reader" }')) as Record<string, unknown>;
    c.set('audit', { detail: { team: c.req.param('team'), role: body?.role } });
    return c.json(await grantScope(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('team'), body ?? {}));
  });
}
