import type { App } from '../app-env.js';

/** GET /health — the process answers; it checks no dependency. */
export function health(app: App) {
  app.get('/health', (c) => c.json({ status: 'ok' }));
}
