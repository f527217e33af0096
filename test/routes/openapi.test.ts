import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@unjucks/core';
import { nativeRoutesOf } from '../../packages/server/src/routes/native-route.js';
import { createHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

/** /api/v1/packages/:name → /api/v1/packages/{name}, the document's spelling. */
const openapiPath = (honoPath: string) => honoPath.replaceAll(/:(\w+)/g, '{$1}');

describe('GET /openapi.json', () => {
  it('describes every native route registered on the app, with its security and errors', async () => {
    const res = await h.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.1.0');
    // From Hono's own route table, not from the list the document was built from.
    const registered = h.app.routes.filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL').map((r) => `${r.method} ${openapiPath(r.path)}`);
    const unique = [...new Set(registered)];
    expect(unique.length).toBeGreaterThan(45);
    const missing = unique.filter((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return !doc.paths[path]?.[method.toLowerCase()];
    });
    expect(missing).toEqual([]);
    for (const key of unique) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path]![method.toLowerCase()]!;
      expect(op.security, key).toBeDefined();
      expect(Object.keys(op.responses), key).toContain('400');
    }
    const publish = doc.paths['/api/v1/packages']!.post as unknown as { requestBody: { content: Record<string, unknown> } };
    expect(Object.keys(publish.requestBody.content)).toEqual(['application/octet-stream']);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const { validate } = await import('@readme/openapi-parser');
    const doc = await (await h.request('GET', '/openapi.json')).json();
    const result = await validate(structuredClone(doc));
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('the error answers in /openapi.json', () => {
  type Op = { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> };
  type Doc = {
    paths: Record<string, Record<string, Op>>;
    components: { schemas: Record<string, { properties: Record<string, { $ref?: string; enum?: string[] }>; required: string[] }> };
  };

  it('declare every error status a route can answer, each with the shared error body', async () => {
    const doc = (await (await h.request('GET', '/openapi.json')).json()) as Doc;
    const routes = nativeRoutesOf(h.app);
    expect(routes.length).toBeGreaterThan(45);
    for (const r of routes) {
      const key = `${r.method.toUpperCase()} ${r.path}`;
      const responses = doc.paths[r.path]![r.method]!.responses;
      const statuses = new Set(r.errors.map((c) => String(ERROR_CODES[c].status)));
      for (const status of ['400', '401']) expect(statuses, key).toContain(status);
      if (r.auth.kind !== 'anonymous') expect(statuses, key).toContain('403');
      if (r.path.includes('{')) expect(statuses, key).toContain('404');
      for (const status of statuses) {
        expect(responses[status]?.content?.['application/json']?.schema.$ref, `${key} ${status}`).toBe('#/components/schemas/ErrorBody');
        for (const code of r.errors.filter((c) => String(ERROR_CODES[c].status) === status))
          expect(JSON.stringify(responses[status]), `${key} ${status}`).toContain(code);
      }
    }
    const publish = doc.paths['/api/v1/packages']!.post!.responses;
    for (const status of ['409', '413', '422']) expect(Object.keys(publish)).toContain(status);
  });

  it('describe code as the closed set of error codes, and the request id', async () => {
    const doc = (await (await h.request('GET', '/openapi.json')).json()) as Doc;
    const body = doc.components.schemas.ErrorBody!;
    expect(body.required).toEqual(expect.arrayContaining(['error', 'code', 'requestId']));
    const code = body.properties.code!.$ref ? doc.components.schemas[body.properties.code!.$ref.split('/').pop()!]! : body.properties.code!;
    expect((code as { enum?: string[] }).enum).toEqual(Object.keys(ERROR_CODES));
  });

  it('match what a route answers: a malformed body carries invalid_input and the request id', async () => {
    const admin = await h.token('root', ['admin', 'tokens', 'read'], { admin: true });
    const res = await h.request('POST', '/api/v1/users', { token: admin, json: { name: 'carol', admin: 'yes' } });
    const body = (await res.json()) as { code: string; requestId: string };
    expect(res.status).toBe(400);
    expect(body.code).toBe('invalid_input');
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });
});

describe('a malformed request', () => {
  it('answers 400 naming the field that is wrong, before anything is stored', async () => {
    const admin = await h.token('root', ['admin', 'tokens', 'read'], { admin: true });
    const res = await h.request('POST', '/api/v1/users', { token: admin, json: { name: 'bob', admin: 'yes' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/^admin: /);
    const list = (await (await h.request('GET', '/api/v1/users', { token: admin })).json()) as { users: { name: string }[] };
    expect(list.users.map((u) => u.name)).not.toContain('bob');
  });

  it('answers 400 naming a bad query parameter', async () => {
    const res = await h.request('GET', '/api/v1/search?q=x&size=ten');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^size: /);
  });
});

describe('the API reference page', () => {
  it('lists every operation of the document, with no script and nothing from another origin', async () => {
    const doc = (await (await h.request('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const res = await h.request('GET', '/-/web/api', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    for (const [path, item] of Object.entries(doc.paths))
      for (const method of Object.keys(item))
        expect(html, `${method} ${path}`).toContain(`id="${`${method.toUpperCase()}-${path}`.replaceAll(/[^A-Za-z0-9-]/g, '_')}"`);
    expect(html).toContain('TokenCreateBody (application/json)');
    expect(html).toContain('binary (application/octet-stream)');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    // Linked from every page's navigation.
    expect(await (await h.request('GET', '/-/web/login', { headers: { accept: 'text/html' } })).text()).toContain('href="/-/web/api"');
  });
});

describe('the response schemas the client is typed by', () => {
  it('match what the routes answer', async () => {
    const { AuditListSchema, OrgListSchema, SearchResultSchema, TokenListSchema, UserListSchema, WhoamiSchema, MintedTokenSchema } = await import(
      '@unjucks/core/api-schemas'
    );
    const admin = await h.token('root', ['admin', 'tokens', 'read'], { admin: true });
    const minted = await h.request('POST', '/api/v1/tokens', { token: admin, json: { name: 'ci', actions: ['read'] } });
    expect(MintedTokenSchema.safeParse(await minted.json()).error).toBeUndefined();
    for (const [path, schema] of [
      ['/api/v1/users', UserListSchema],
      ['/api/v1/orgs', OrgListSchema],
      ['/api/v1/tokens', TokenListSchema],
      ['/api/v1/audit', AuditListSchema],
      ['/api/v1/whoami', WhoamiSchema],
      ['/api/v1/search?q=x', SearchResultSchema],
    ] as const) {
      const res = await h.request('GET', path, { token: admin });
      expect(res.status, path).toBe(200);
      expect(schema.safeParse(await res.json()).error, path).toBeUndefined();
    }
  });
});
