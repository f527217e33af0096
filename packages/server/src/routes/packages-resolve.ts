import { resolveVersion } from '../registry/read.js';
import { nameParam, type App } from './app-env.js';
import { sendRendered } from './json.js';

/** GET /api/v1/packages/:name/:spec — an exact version, a range or a dist-tag, resolved to one version. */
export function packagesResolve(app: App) {
  app.get('/api/v1/packages/:name/:spec', async (c) =>
    sendRendered(c, await resolveVersion(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('spec'))),
  );
}
