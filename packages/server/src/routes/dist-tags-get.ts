import { getDistTags } from '../registry/tags.js';
import { nameParam, type App } from './app-env.js';
import { jsonWithEtag } from './json.js';

/** GET /api/v1/packages/:name/dist-tags */
export function distTagsGet(app: App) {
  app.get('/api/v1/packages/:name/dist-tags', async (c) => jsonWithEtag(c, await getDistTags(c.get('registry'), c.get('actor'), nameParam(c))));
}
