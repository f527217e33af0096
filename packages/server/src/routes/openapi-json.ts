import type { App } from '../app-env.js';

/** The OpenAPI 3.1 description of the native API, generated from the routes' own schemas. */
export type OpenApiDocument = ReturnType<App['getOpenAPI31Document']>;

export function openApiDocument(app: App, serverUrl?: string): OpenApiDocument {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Unjucks Registry native API',
      version: '1',
      description: 'The registry\'s own API under /api/v1. The npm protocol routes are described by npm, not here. Errors are JSON `{ "error": "..." }`.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
}

/** GET /openapi.json — served before authentication: the description is public, like the README. */
export function openapiJson(app: App) {
  let cached: unknown = null;
  app.get('/openapi.json', (c) => {
    // Every route is registered by the time a request arrives; the document never changes after.
    cached ??= openApiDocument(app);
    return c.json(cached);
  });
}
