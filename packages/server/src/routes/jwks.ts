import type { App } from '../app-env.js';

/** GET /.well-known/jwks.json — the public keys that verify registry tokens, old ones included until retired. */
export function jwks(app: App) {
  app.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await c.get('registry').keys.jwks());
  });
}
