import { unpublish } from '../registry/unpublish.js';
import { nameParam, type App } from './app-env.js';
import { audited, packageTarget } from './audited.js';

/** DELETE /api/v1/packages/:name — unpublish every live version; the name stays with its owners. */
export function packageUnpublish(app: App) {
  app.delete('/api/v1/packages/:name', audited('package.unpublish', packageTarget), async (c) => {
    const r = await unpublish(c.get('registry'), c.get('actor'), nameParam(c), null);
    c.set('audit', { detail: { versions: r.removed } });
    return c.json(r);
  });
}
