import { setMember } from '../access/orgs.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';
import { readJson } from './json.js';

/**
 * PUT /api/v1/orgs/:org/members/:user — { role }: changes a member's role; owners only. A user
 * not yet a member is invited (202, `invited: true`) and joins on accepting; admins add directly.
 */
export function orgMembersPut(app: App) {
  app.put('/api/v1/orgs/:org/members/:user', audited('org.member.set', orgTarget), async (c) => {
    const body = (await readJson(c, '{ "role": "owner|maintainer|reader" }')) as Record<string, unknown>;
    c.set('audit', { detail: { user: c.req.param('user'), role: body?.role } });
    const r = await setMember(c.get('registry').db, c.get('actor'), c.req.param('org'), c.req.param('user'), body ?? {});
    if (!r.invited) return c.json(r);
    c.set('audit', { action: 'org.member.invite', detail: { user: r.user, role: r.role } });
    return c.json(r, 202);
  });
}
