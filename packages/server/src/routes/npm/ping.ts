import type { App } from '../app-env.js';

/** GET /-/ping — npm ping. */
export const npmPing = (app: App) => app.get('/-/ping', (c) => c.json({}));
