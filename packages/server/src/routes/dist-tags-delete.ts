import { removeDistTag } from '../registry/tags.js';
import { nameParam, type App } from './app-env.js';
import { audited, packageTarget } from './audited.js';

/** DELETE /api/v1/packages/:name/dist-tags/:tag */
export function distTagsDelete(app: App) {
  app.delete('/api/v1/packages/:name/dist-tags/:tag', audited('dist-tag.remove', packageTarget), async (c) => {
    c.set('audit', { detail: { tag: c.req.param('tag') } });
    return c.json(await removeDistTag(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('tag')));
  });
}
