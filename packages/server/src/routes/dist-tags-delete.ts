import { removeDistTag } from '../registry/tags.js';
import { nameParam, type App } from './app-env.js';

/** DELETE /api/v1/packages/:name/dist-tags/:tag */
export function distTagsDelete(app: App) {
  app.delete('/api/v1/packages/:name/dist-tags/:tag', async (c) =>
    c.json(await removeDistTag(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('tag'))),
  );
}
