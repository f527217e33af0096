import { setScopeVisibility } from '../access/grants.js';
import type { App } from './app-env.js';
import { audited, orgTarget } from './audited.js';
import { readJson } from './json.js';

/** PUT /api/v1/orgs/:org/visibility — { visibility }: the default for the org's packages without their own; owners only. */
export function scopeVisibilityPut(app: App) {
  app.put('/api/v1/orgs/:org/visibility', audited('scope.visibility', orgTarget), async (c) => {
    const body = (await readJson(c, '{ "visibility": "public|private" }')) as Record<string, unknown>;
    c.set('audit', { detail: { visibility: body?.visibility } });
    return c.json(await setScopeVisibility(c.get('registry'), c.get('actor'), c.req.param('org'), body ?? {}));
  });
}
