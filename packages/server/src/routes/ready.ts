import type { App } from '../app-env.js';

/** GET /ready — 200 when the database (migrated) and the blob store answer; 503 naming what does not. */
export function ready(app: App, checks: { database: () => Promise<void>; storage: () => Promise<void> }) {
  app.get('/ready', async (c) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([part, check]) => {
        try {
          await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000))]);
          return [part, 'ok'] as const;
        } catch (e) {
          return [part, (e as Error).message || 'failed'] as const;
        }
      }),
    );
    const failing = results.filter(([, r]) => r !== 'ok');
    const body = { status: failing.length ? 'unavailable' : 'ready', checks: Object.fromEntries(results) };
    if (failing.length) return c.json({ ...body, error: `not ready: ${failing.map(([p, r]) => `${p}: ${r}`).join('; ')}` }, 503);
    return c.json(body);
  });
}
