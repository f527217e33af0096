import { npmCreateToken, npmListTokens, npmRevokeToken } from '../../npm/tokens.js';
import type { NpmApp } from '../../app-env.js';
import { audited } from '../../middleware/audited.js';
import { passwordCheck } from '../../middleware/limits.js';
import { readJson } from '../json.js';

/** GET /-/npm/v1/tokens — npm token list. */
export const npmTokensList = (app: NpmApp) => app.get('/-/npm/v1/tokens', async (c) => c.json(await npmListTokens(c.get('registry'), c.get('actor'))));

/** POST /-/npm/v1/tokens — npm token create (npm 10 and 11 bodies). */
export const npmTokensCreate = (app: NpmApp) =>
  app.post('/-/npm/v1/tokens', passwordCheck, audited('token.create'), async (c) => {
    const body = (await readJson(c, '{ "password": "...", "readonly": false }')) as Record<string, unknown>;
    const r = await npmCreateToken(c.get('registry'), c.get('actor'), body ?? {}, c.get('ip'));
    c.set('audit', { target: `token:${r.key}`, detail: { via: 'npm', readonly: r.readonly } });
    return c.json(r, 201);
  });

/** DELETE /-/npm/v1/tokens/token/:key — npm token revoke. */
export const npmTokensDelete = (app: NpmApp) =>
  app.delete(
    '/-/npm/v1/tokens/token/:key',
    audited('token.revoke', (c) => ({ target: `token:${c.req.param('key')}` })),
    async (c) => {
      const r = await npmRevokeToken(c.get('registry'), c.get('actor'), c.req.param('key'));
      c.set('audit', { org: r.org, detail: { via: 'npm', user: r.user } });
      return c.body(null, 204);
    },
  );
