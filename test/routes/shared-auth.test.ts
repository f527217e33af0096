import { TOKEN_ACTIONS, type TokenAction } from '@unjucks/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeRoutesOf, type RouteEntry } from '../../packages/server/src/routes/native-route.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';

/**
 * The same authorisation failures, run on every native route from the app's own route table:
 * each route's expected auth is declared once, in its nativeRoute definition (`auth`), and
 * checked here. A route added without a correct declaration fails these tests.
 */

const PKG = 'shared-pkg';
const VALUES: Record<string, string> = {
  name: PKG,
  version: '1.0.0',
  spec: '1.0.0',
  tag: 'beta',
  file: `${PKG}-1.0.0.tgz`,
  org: 'acme',
  user: 'bob',
  team: 'devs',
  principal: 'bob',
  id: '00000000-0000-4000-8000-000000000000',
  delivery: '1',
};

/** A well-formed body for each route that takes one, so the request reaches the rights checks. */
const BODIES: Record<string, unknown> = {
  'put /api/v1/packages/{name}/dist-tags/{tag}': '1.0.0',
  'post /api/v1/packages/{name}/{version}/deprecate': { message: 'old' },
  'put /api/v1/packages/{name}/access/{principal}': { role: 'reader' },
  'put /api/v1/packages/{name}/visibility': { visibility: 'private' },
  'post /api/v1/tokens': { name: 'x', actions: ['read'] },
  'post /api/v1/users': { name: 'carol' },
  'put /api/v1/users/{user}/password': { password: 'a long enough password 1' },
  'post /api/v1/orgs': { name: 'neworg' },
  'post /api/v1/orgs/{org}/rename': { name: 'acme2' },
  'put /api/v1/orgs/{org}/members/{user}': { role: 'reader' },
  'post /api/v1/orgs/{org}/teams': { name: 'devs2' },
  'put /api/v1/orgs/{org}/access/{team}': { role: 'reader' },
  'put /api/v1/orgs/{org}/visibility': { visibility: 'private' },
  'post /api/v1/auth/login': { username: 'nobody', password: 'wrong' },
  'post /api/v1/packages/{name}/trusted-publishers': { issuer: 'github', repository: 'acme/app', repositoryOwnerId: '1', workflow: 'release.yml' },
  'post /api/v1/oidc/exchange': { token: 'not.a.jwt', package: 'shared-pkg' },
  'post /api/v1/packages/{name}/{version}/reject': { reason: 'not good' },
  'put /api/v1/packages/{name}/review-policy': { requiredApprovals: 1 },
  'put /api/v1/orgs/{org}/review-policy': { requiredApprovals: 1 },
  'post /api/v1/hooks': { org: 'acme', url: 'https://hooks.example.com/registry' },
};

let h: Harness;
let routes: readonly RouteEntry[];
const key = (r: RouteEntry) => `${r.method} ${r.path}`;
const urlOf = (r: RouteEntry) => r.path.replaceAll(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(VALUES[p]!));
const send = (r: RouteEntry, token?: string) =>
  r.path === '/api/v1/packages' && r.method === 'post'
    ? h.request('POST', urlOf(r), { token, body: packageTarball(PKG, '2.0.0'), headers: { 'content-type': 'application/octet-stream' } })
    : h.request(r.method.toUpperCase(), urlOf(r), { token, json: BODIES[key(r)] });

beforeAll(async () => {
  h = await createHarness();
  routes = nativeRoutesOf(h.app);
  const admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
  const published = await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball(PKG, '1.0.0') });
  expect(published.status).toBe(201);
  // Revoking another token needs "tokens" (a token may always revoke itself): name one that exists.
  const other = await h.request('POST', '/api/v1/tokens', { token: admin, json: { name: 'other', actions: ['read'] } });
  VALUES.id = ((await other.json()) as { id: string }).id;
});
afterAll(() => h?.close());

describe('the route table', () => {
  it('declares auth for every native route Hono serves, and nothing it does not serve', () => {
    const served = new Set(h.app.routes.filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${r.path}`));
    const declared = new Set(routes.map((r) => `${r.method} ${r.honoPath}`));
    expect([...served].filter((s) => !declared.has(s))).toEqual([]);
    expect([...declared].filter((d) => !served.has(d))).toEqual([]);
  });
});

describe('every route that needs a token', () => {
  it('answers 401 with WWW-Authenticate when none is sent', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((r) => r.auth.kind !== 'anonymous')) {
      const res = await send(r);
      if (res.status !== 401 || !res.headers.get('www-authenticate')?.startsWith('Bearer')) wrong.push(`${key(r)} → ${res.status} ${await res.text()}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 401 to a token that is not one', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const res = await send(r, 'not-a-token');
      if (res.status !== 401) wrong.push(`${key(r)} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('every route that checks a token action', () => {
  it('answers 403 naming the action to a token without it', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((r) => r.auth.action)) {
      const action = r.auth.action as TokenAction;
      // An admin's token holding every action but this one: only the missing action can refuse it.
      const token = await h.token(
        'root',
        TOKEN_ACTIONS.filter((a) => a !== action && !(action.startsWith('publish:') && a.startsWith('publish:'))),
        { admin: true },
      );
      const res = await send(r, token);
      const body = (await res.json()) as { error?: string };
      if (res.status !== 403 || !body.error?.includes(`"${action}"`)) wrong.push(`${key(r)} → ${res.status} ${body.error}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 403 to a token whose package patterns exclude the package', async () => {
    const wrong: string[] = [];
    const token = await h.token('root', [...TOKEN_ACTIONS], { admin: true, packages: ['other-*'] });
    for (const r of routes.filter((r) => r.auth.action && r.path.includes('{name}'))) {
      const res = await send(r, token);
      const body = (await res.json()) as { error?: string };
      if (res.status !== 403 || !body.error?.includes('limited to the packages other-*')) wrong.push(`${key(r)} → ${res.status} ${body.error}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('every admin route', () => {
  it('answers 403 to a user who is not a registry admin, whatever the token holds', async () => {
    const wrong: string[] = [];
    const token = await h.token('mallory', [...TOKEN_ACTIONS.filter((a) => a !== 'admin')]);
    for (const r of routes.filter((r) => r.auth.kind === 'admin')) {
      const res = await send(r, token);
      const body = (await res.json()) as { error?: string };
      if (res.status !== 403 || !body.error?.includes('registry admins')) wrong.push(`${key(r)} → ${res.status} ${body.error}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('a private package', () => {
  it('reads as missing (404) to anonymous clients and to users with no role on it, on every read route', async () => {
    const admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
    expect((await h.request('PUT', `/api/v1/packages/${PKG}/visibility`, { token: admin, json: { visibility: 'private' } })).status).toBe(200);
    const outsider = await h.token('eve', ['read']);
    const wrong: string[] = [];
    for (const r of routes.filter((r) => r.method === 'get' && r.path.includes('{name}'))) {
      for (const token of [undefined, outsider]) {
        const res = await send(r, token);
        if (res.status !== 404) wrong.push(`${key(r)} (${token ? 'outsider' : 'anonymous'}) → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect((await h.request('PUT', `/api/v1/packages/${PKG}/visibility`, { token: admin, json: { visibility: 'public' } })).status).toBe(200);
  });
});
