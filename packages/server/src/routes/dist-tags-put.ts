import { setDistTag } from '../registry/tags.js';
import { nameParam, type App } from './app-env.js';
import { audited, packageTarget } from './audited.js';
import { readJson } from './json.js';

/** PUT /api/v1/packages/:name/dist-tags/:tag — body "1.2.3" (as npm sends it) or { "version": "1.2.3" }. */
export function distTagsPut(app: App) {
  app.put('/api/v1/packages/:name/dist-tags/:tag', audited('dist-tag.set', packageTarget), async (c) => {
    const body = await readJson(c, 'the version as a JSON string, or { "version": "1.2.3" }');
    const version = typeof body === 'object' && body !== null ? (body as { version?: unknown }).version : body;
    c.set('audit', { detail: { tag: c.req.param('tag'), version } });
    return c.json(await setDistTag(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('tag'), version));
  });
}
