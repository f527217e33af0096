import { getPackageDoc } from '../registry/read.js';
import { nameParam, type App } from './app-env.js';
import { sendRendered } from './json.js';

/** GET /api/v1/packages/:name — every version, dist-tags and times. */
export function packagesGet(app: App) {
  app.get('/api/v1/packages/:name', async (c) => sendRendered(c, await getPackageDoc(c.get('registry'), c.get('actor'), nameParam(c))));
}
