import { InputError } from '@unjucks/core';
import { WhoamiSchema } from '@unjucks/core/api-schemas';
import { listOrgs } from '../access/orgs.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/whoami — the user behind the token, what the token may do, and the user's orgs. */
export function whoami(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/whoami',
      summary: 'The user behind the token, its actions and orgs',
      tags: ['tokens'],
      auth: { kind: 'token' },
      responses: { 200: { description: 'Who you are.', schema: WhoamiSchema } },
    },
    async (c) => {
      const actor = c.get('actor');
      if (!actor) throw new InputError('no token was sent; send "Authorization: Bearer <token>"', 'unauthorized');
      const { orgs } = await listOrgs(c.get('registry').db, { ...actor, isAdmin: false });
      return c.json({
        username: actor.userName,
        admin: actor.isAdmin,
        token: { id: actor.jti, actions: actor.actions, packages: actor.packages },
        orgs: orgs.map((o) => ({ name: o.name, role: o.role })),
      });
    },
  );
}
