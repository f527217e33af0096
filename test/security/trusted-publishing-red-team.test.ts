import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { TOKEN_ACTIONS } from '@unjucks/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_CLAIMS } from '../../packages/server/src/oidc/issuers.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';

/**
 * Red-team review of trusted publishing (issue 17), in process against an OpenID issuer the test
 * runs on loopback with its own key: a CI job must not pass for the trusted workflow by the name
 * of its branch or of its file, and a token minted for a CI job must not be the second pair of
 * eyes on a reviewed release.
 */
describe('trusted publishing under attack', () => {
  let h: Harness;
  let issuer: { url: string; close: () => Promise<void> };
  let key: { kid: string; privateKey: CryptoKey; publicJwk: JWK };
  const t: Record<string, string> = {};
  const REPO = 'acme/app';
  const now = () => Math.floor(Date.now() / 1000);
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, any> });

  const claims = (over: JWTPayload = {}): JWTPayload => ({
    iss: issuer.url,
    aud: h.registry.publicUrl,
    repository: REPO,
    repository_owner_id: '4242',
    workflow_ref: `${REPO}/.github/workflows/release.yml@refs/heads/main`,
    run_id: '1',
    jti: randomUUID(),
    iat: now(),
    nbf: now(),
    exp: now() + 300,
    ...over,
  });
  const sign = (c: JWTPayload) => new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  const exchange = async (c: JWTPayload, pkg: string) =>
    json(await h.request('POST', '/api/v1/oidc/exchange', { json: { token: await sign(c), package: pkg } }));
  const publish = async (token: string, name: string, version: string) =>
    json(await h.request('POST', '/api/v1/packages', { token, body: packageTarball(name, version), headers: { 'content-type': 'application/octet-stream' } }));
  const trust = async (pkg: string, workflow: string) => {
    const r = await json(
      await h.request('POST', `/api/v1/packages/${encodeURIComponent(pkg)}/trusted-publishers`, {
        token: t.alice,
        json: { issuer: issuer.url, repository: REPO, repositoryOwnerId: '4242', workflow },
      }),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as number;
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    key = { kid, privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
    let url = '';
    const server: Server = createServer((req, res) => {
      const path = new URL(req.url!, url).pathname;
      res.writeHead(path === '/.well-known/openid-configuration' || path === '/jwks' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(path === '/jwks' ? { keys: [key.publicJwk] } : { issuer: url, jwks_uri: `${url}/jwks` }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    issuer = { url, close: () => new Promise<void>((r) => server.close(() => r())) };

    h = await createHarness();
    h.registry.oidc = { issuers: [{ issuer: url, name: 'local', claims: GITHUB_CLAIMS }], tokenLifetimeSeconds: 300 };
    const admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
    for (const u of ['alice', 'bob', 'max'])
      t[u] = await h.token(
        u,
        TOKEN_ACTIONS.filter((a) => a !== 'admin'),
      );
    expect((await h.request('POST', '/api/v1/orgs', { token: admin, json: { name: 'corp' } })).status).toBe(201);
    for (const [u, role] of [
      ['alice', 'owner'],
      ['bob', 'maintainer'],
      ['max', 'maintainer'],
    ])
      expect((await h.request('PUT', `/api/v1/orgs/corp/members/${u}`, { token: admin, json: { role } })).status).toBe(200);
    for (const name of ['tp-pinned', 'tp-file', '@corp/app']) expect((await publish(t.alice!, name, '1.0.0')).status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    await issuer?.close();
  });

  it('a workflow on a branch named like the trusted ref does not pass for the trusted workflow', async () => {
    await trust('tp-pinned', 'release.yml@refs/heads/main');
    // Anyone who may push a branch can name it so and run their own workflow on it.
    const forged = await exchange(claims({ workflow_ref: `${REPO}/.github/workflows/evil.yml@refs/heads/x/release.yml@refs/heads/main` }), 'tp-pinned');
    expect(forged.status, JSON.stringify(forged.body)).toBe(403);
    expect(forged.body.token).toBeUndefined();
    // The trusted workflow on main still gets its token.
    expect((await exchange(claims(), 'tp-pinned')).status).toBe(201);
  });

  it('a workflow file named to start like the trusted one does not pass for it', async () => {
    await trust('tp-file', 'release.yml');
    const forged = await exchange(claims({ workflow_ref: `${REPO}/.github/workflows/release.yml@x.yml@refs/heads/feature` }), 'tp-file');
    expect(forged.status, JSON.stringify(forged.body)).toBe(403);
    expect(forged.body.token).toBeUndefined();
    // The trusted file on a branch whose name holds an "@" is still the trusted file.
    expect((await exchange(claims({ workflow_ref: `${REPO}/.github/workflows/release.yml@refs/heads/me@fix` }), 'tp-file')).status).toBe(201);
  });

  it('an issuer whose discovery document sends the registry for keys over plain http elsewhere is not trusted', async () => {
    // The keys (the right ones) on another origin over http: anyone on the path could swap them.
    const keys = createServer((_req, res) => res.end(JSON.stringify({ keys: [key.publicJwk] })));
    await new Promise<void>((r) => keys.listen(0, '127.0.0.1', r));
    let url = '';
    const other: Server = createServer((_req, res) =>
      res.end(JSON.stringify({ issuer: url, jwks_uri: `http://127.0.0.1:${(keys.address() as { port: number }).port}/jwks` })),
    );
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
    try {
      h.registry.oidc!.issuers.push({ issuer: url, name: 'elsewhere', claims: GITHUB_CLAIMS });
      const id = await json(
        await h.request('POST', '/api/v1/packages/tp-file/trusted-publishers', {
          token: t.alice,
          json: { issuer: url, repository: REPO, repositoryOwnerId: '4242', workflow: 'release.yml' },
        }),
      );
      expect(id.status, JSON.stringify(id.body)).toBe(201);
      const r = await exchange(claims({ iss: url }), 'tp-file');
      expect(r.status, JSON.stringify(r.body)).toBe(503);
      expect(r.body.error).toMatch(/keys must come over https or from the issuer's own origin/);
      expect(r.body.token).toBeUndefined();
    } finally {
      h.registry.oidc!.issuers.pop();
      await new Promise<void>((r) => other.close(() => r()));
      await new Promise<void>((r) => keys.close(() => r()));
    }
  });

  it("a CI job's token can neither approve nor reject a staged release", async () => {
    await trust('@corp/app', 'release.yml');
    expect((await h.request('PUT', '/api/v1/packages/@corp%2Fapp/review-policy', { token: t.alice, json: { requiredApprovals: 1 } })).status).toBe(200);
    expect((await publish(t.bob!, '@corp/app', '2.0.0')).body.status).toBe('staged');
    const ci = await exchange(claims(), '@corp/app');
    expect(ci.status, JSON.stringify(ci.body)).toBe(201);
    for (const decision of ['approve', 'reject']) {
      const r = await json(
        await h.request('POST', `/api/v1/packages/@corp%2Fapp/2.0.0/${decision}`, {
          token: ci.body.token,
          json: decision === 'reject' ? { reason: 'no' } : undefined,
        }),
      );
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.error).toMatch(/minted for a CI job/);
    }
    const reviews = await json(await h.request('GET', '/api/v1/packages/@corp%2Fapp/reviews', { token: t.max }));
    expect(reviews.body.versions).toMatchObject([{ version: '2.0.0', status: 'staged', approvals: [] }]);
    // The job still publishes, and a maintainer with their own token still decides.
    expect((await publish(ci.body.token, '@corp/app', '2.0.1')).body.status).toBe('staged');
    const approved = await json(await h.request('POST', '/api/v1/packages/@corp%2Fapp/2.0.0/approve', { token: t.max }));
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.status).toBe('live');
  });
});
