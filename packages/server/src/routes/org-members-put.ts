import { setMember } from '../access/orgs.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';
import { readJson } from './json.js';

/** PUT /api/v1/orgs/:org/members/:user — { role }: adds a member or changes their role; owners only. */
export function orgMembersPut(app: App) {
  app.put('/api/v1/orgs/:org/members/:user', audited('org.member.set', orgTarget), async (c) => {
    const body = (await readJson(c, '{ "role": "owner|maintainer|reader" }')) as Record<string, unknown>;
    c.set('audit', { detail: { user: c.req.param('user'), role: body?.role } });
    return c.json(await setMember(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('user'), body ?? {}));
  });
}
