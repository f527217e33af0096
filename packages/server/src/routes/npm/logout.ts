import { InputError } from '@unjucks/core';
import { revokeToken } from '../../access/tokens.js';
import type { NpmApp } from '../../app-env.js';
import { audited } from '../../middleware/audited.js';

/** DELETE /-/user/token/:token — npm logout: revokes the token it sends (only one's own). */
export const npmLogout = (app: NpmApp) =>
  app.delete('/-/user/token/:token', audited('token.revoke'), async (c) => {
    const actor = c.get('actor');
    const header = c.req.header('authorization') ?? '';
    if (!actor || !header.endsWith(c.req.param('token')))
      throw new InputError('npm logout revokes the token it is sent with, and only that one', 'bad_request');
    c.set('audit', { target: `token:${actor.jti}` });
    await revokeToken(c.get('registry').db, actor, actor.jti);
    return c.json({ ok: true });
  });
