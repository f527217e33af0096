import { TOKEN_ACTIONS } from '@unjucks/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_BODY_LIMIT } from '../../packages/server/src/json-body.js';
import { nativeRoutesOf, type RouteEntry } from '../../packages/server/src/routes/native-route.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';

/**
 * Hostile bodies on every native route that reads JSON, from the app's own route table, so a route
 * added tomorrow is covered too: a body that is not JSON is a 400 and one past the JSON limit a 413,
 * each with the error shape and its code, even for a registry admin (nothing is trusted to parse).
 */
describe('malformed and oversized JSON bodies, on every route that takes one', () => {
  let h: Harness;
  let admin: string;
  let routes: RouteEntry[];
  const path = (r: RouteEntry) =>
    r.path.replaceAll(/\{(\w+)\}/g, (_, p: string) => ({ name: 'body-pkg', version: '1.0.0', org: 'bodies', team: 'devs', user: 'root', id: '1' })[p] ?? 'x');
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
    expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('body-pkg', '1.0.0') })).status).toBe(201);
    expect((await h.request('POST', '/api/v1/orgs', { token: admin, json: { name: 'bodies' } })).status).toBe(201);
    // Routes with a JSON body are those that may answer payload_too_large; the publish upload is binary and has its own limits.
    routes = nativeRoutesOf(h.app).filter((r) => r.errors.includes('payload_too_large') && !(r.method === 'post' && r.path === '/api/v1/packages'));
  });
  afterAll(() => h?.close());

  it('finds the routes to try', () => {
    // Hooks, trusted publishers, review decisions and policies, tokens, orgs, teams, logins...
    expect(routes.length).toBeGreaterThanOrEqual(15);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['post /api/v1/hooks', 'post /api/v1/oidc/exchange', 'put /api/v1/orgs/{org}/review-policy']),
    );
  });

  it('answers 400 with a code to a body that is not JSON', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const res = await h.request(r.method.toUpperCase(), path(r), { token: admin, body: '{"name": ', headers: { 'content-type': 'application/json' } });
      const body = (await res.json().catch(() => null)) as { error?: unknown; code?: string } | null;
      if (res.status !== 400 || typeof body?.error !== 'string' || !['bad_request', 'invalid_input'].includes(body.code ?? ''))
        wrong.push(`${r.method} ${r.path} → ${res.status} ${JSON.stringify(body)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 413 payload_too_large to a body past the JSON limit', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(JSON_BODY_LIMIT + 1) });
    const wrong: string[] = [];
    for (const r of routes) {
      const res = await h.request(r.method.toUpperCase(), path(r), { token: admin, body: huge, headers: { 'content-type': 'application/json' } });
      const body = (await res.json().catch(() => null)) as { code?: string } | null;
      if (res.status !== 413 || body?.code !== 'payload_too_large') wrong.push(`${r.method} ${r.path} → ${res.status} ${JSON.stringify(body)}`);
    }
    expect(wrong).toEqual([]);
  });
});
