import type { OpenApiDocument } from '../../openapi-document.js';
import type { WebCtx } from '../env.js';
import { Page, page } from '../layout.js';

type Operation = {
  summary?: string;
  tags?: string[];
  security?: Record<string, unknown>[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
const METHODS = ['get', 'put', 'post', 'delete'] as const;

/** A schema's component name ($ref), else what it is: "binary", "inline object". */
function schemaName(schema: unknown): string {
  if (!schema || typeof schema !== 'object') return '—';
  const s = schema as { $ref?: string; format?: string; type?: unknown };
  if (s.$ref) return s.$ref.split('/').pop()!;
  if (s.format === 'binary') return 'binary';
  return `inline ${Array.isArray(s.type) ? s.type.join('|') : (s.type ?? 'schema')}`;
}

function auth(op: Operation): string {
  const sec = op.security ?? [];
  if (!sec.length) return 'none';
  return sec.some((r) => Object.keys(r).length === 0) ? 'optional bearer token' : 'bearer token';
}

/**
 * /-/web/api — the native API's reference, rendered on the server from /openapi.json (the same
 * document, built from the routes' schemas): no script, no CDN, under the pages' strict CSP.
 */
export function apiPage(c: WebCtx, doc: OpenApiDocument) {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((m) => {
      const op = (item as Record<string, Operation | undefined>)[m];
      return op ? [{ method: m.toUpperCase(), path, op }] : [];
    }),
  );
  return page(
    c,
    <Page title="API reference" actor={c.get('actor') ?? null} csrf={c.get('session')?.csrf}>
      <h1>API reference</h1>
      <p>
        The native API under <code>/api/v1</code>, {rows.length} operations. The machine-readable description is <a href="/openapi.json">/openapi.json</a>{' '}
        (OpenAPI 3.1). Errors are JSON <code>{'{ "error": "..." }'}</code>; a malformed request answers 400 naming the field.
      </p>
      <table class="api">
        <thead>
          <tr>
            <th scope="col">Method</th>
            <th scope="col">Path</th>
            <th scope="col">Summary</th>
            <th scope="col">Auth</th>
            <th scope="col">Request</th>
            <th scope="col">Responses</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ method, path, op }) => {
            const body = Object.entries(op.requestBody?.content ?? {})[0];
            const ok = Object.entries(op.responses ?? {}).filter(([status]) => status.startsWith('2'));
            return (
              <tr id={`${method}-${path}`.replaceAll(/[^A-Za-z0-9-]/g, '_')}>
                <td>
                  <code>{method}</code>
                </td>
                <td>
                  <code>{path}</code>
                </td>
                <td>{op.summary ?? ''}</td>
                <td>{auth(op)}</td>
                <td>{body ? `${schemaName(body[1].schema)} (${body[0]})` : '—'}</td>
                <td>{ok.map(([status, r]) => `${status}: ${schemaName(Object.values(r.content ?? {})[0]?.schema)}`).join(', ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Page>,
  );
}
