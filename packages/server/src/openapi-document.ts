import type { App } from './app-env.js';

/** The OpenAPI 3.1 description of the native API, generated from the routes' own schemas. */
export type OpenApiDocument = ReturnType<App['getOpenAPI31Document']>;

/** Built from the app's registry of native routes: served by GET /openapi.json and rendered by /-/web/api. */
export function openApiDocument(app: App, serverUrl?: string): OpenApiDocument {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Unjucks Registry native API',
      version: '1',
      description:
        'The registry\'s own API under /api/v1. The npm protocol routes are described by npm, not here. Errors are JSON `{ "error": "...", "code": "...", "requestId": "..." }`; `code` is one of a closed set (ErrorCode), each with one status.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
}
