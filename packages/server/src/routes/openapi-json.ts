import type { App } from '../app-env.js';
import { openApiDocument } from '../openapi-document.js';

/** GET /openapi.json — served before authentication: the description is public, like the README. */
export function openapiJson(app: App) {
  let cached: unknown = null;
  app.get('/openapi.json', (c) => {
    // Every route is registered by the time a request arrives; the document never changes after.
    cached ??= openApiDocument(app);
    return c.json(cached);
  });
}
