import { unpublish } from '../registry/unpublish.js';
import { nameParam, type App } from './app-env.js';
import { audited, packageTarget } from './audited.js';

/** DELETE /api/v1/packages/:name/:version — unpublish one version; its number is never reusable. */
export function versionUnpublish(app: App) {
  app.delete('/api/v1/packages/:name/:version', audited('version.unpublish', packageTarget), async (c) => {
    c.set('audit', { detail: { version: c.req.param('version') } });
    return c.json(await unpublish(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('version')));
  });
}
