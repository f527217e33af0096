import type { NpmApp } from '../../app-env.js';

/** GET /-/ping — npm ping. */
export const npmPing = (app: NpmApp) => app.get('/-/ping', (c) => c.json({}));
