import { getReport } from '../registry/read.js';
import { nameParam, type App } from './app-env.js';
import { sendRendered } from './json.js';

/** GET /api/v1/packages/:name/:version/report — the validation report stored at publish. */
export function versionReport(app: App) {
  app.get('/api/v1/packages/:name/:version/report', async (c) => sendRendered(c, await getReport(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('version'))));
}
