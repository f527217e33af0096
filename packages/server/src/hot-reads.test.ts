import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { HOT_ROUTES } from './hot-reads.js';
import { createMemoryRegistry } from './memory-registry.js';
import { Metrics } from './metrics.js';

// hot-reads.ts does for its routes what the middleware on them does (or passes the request on). A
// middleware added in front of them would be skipped there: this list makes that a decision.
// '/*': setup, request log, read-your-writes, early limits, authentication, token limits (app.ts);
// '/api/*': the native error shape, then the JSON body limit; '/:name': the web page redirect.
const MIDDLEWARE_ON_HOT_ROUTES: Record<string, string[]> = {
  '/:name': ['/*', '/*', '/*', '/*', '/*', '/*', '/:name'],
  '/:name/-/:file': ['/*', '/*', '/*', '/*', '/*', '/*'],
  '/api/v1/packages/:name': ['/api/*', '/*', '/*', '/*', '/*', '/*', '/*', '/api/*'],
  '/api/v1/packages/:name/-/:file': ['/api/*', '/*', '/*', '/*', '/*', '/*', '/*', '/api/*'],
};
const SAMPLE: Record<string, string> = {
  '/:name': '/pkg',
  '/:name/-/:file': '/pkg/-/pkg-1.0.0.tgz',
  '/api/v1/packages/:name': '/api/v1/packages/pkg',
  '/api/v1/packages/:name/-/:file': '/api/v1/packages/pkg/-/pkg-1.0.0.tgz',
};

describe('hot reads', () => {
  it('are the routes the router picks for their paths, behind the middleware they were written for', async () => {
    const { registry, close } = await createMemoryRegistry();
    try {
      const config = loadConfig({ RATE_LIMIT_TOKEN_PER_MINUTE: '100' });
      const app = createApp(registry, { metrics: new Metrics(), limits: { ...config.requestLimits, passwordChecksPerAddress: 2 } });
      expect(Object.keys(SAMPLE).sort()).toEqual([...HOT_ROUTES.keys()].sort());
      for (const [route, path] of Object.entries(SAMPLE)) {
        const [handlers] = app.router.match('GET', path) as unknown as [[[unknown, { method: string; path: string }], unknown][]];
        const answering = handlers.findIndex(([[, r]]) => r.method !== 'ALL');
        expect(handlers[answering]![0][1].path).toBe(route);
        expect(handlers.slice(0, answering).map(([[, r]]) => r.path)).toEqual(MIDDLEWARE_ON_HOT_ROUTES[route]);
      }
    } finally {
      await close();
    }
  });
});
