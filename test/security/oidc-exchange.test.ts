import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/server/src/config.js';
import { BACKENDS } from '../helpers/backends.js';
import { unjucks } from '../helpers/cli.js';
import { packageTarball, publishRaw, writePackageDir } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Trusted publishing (issue 17): a CI job's OIDC ID token is exchanged for a short-lived publish
 * token for one package. The test runs its own issuer (OpenID discovery and a JWKS with keys it
 * generates) on loopback and configures the registry to accept it (OIDC_ISSUERS). Every forged or
 * mismatched token is refused, and nothing is minted for it.
 */

interface Signer {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

async function signer(alg: 'RS256' | 'ES256'): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

/** An OpenID issuer on loopback: discovery, its JWKS, and GitHub's ID token endpoint for the CLI. */
async function startIssuer(keys: Signer[], mint: (audience: string) => Promise<string>) {
  const requests: { audience: string | null; authorization: string | undefined }[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url!, url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (u.pathname === '/.well-known/openid-configuration') return json(200, { issuer: url, jwks_uri: `${url}/jwks` });
    if (u.pathname === '/jwks') return json(200, { keys: keys.map((k) => k.publicJwk) });
    if (u.pathname === '/gh-token') {
      requests.push({ audience: u.searchParams.get('audience'), authorization: req.headers.authorization });
      if (req.headers.authorization !== 'bearer runner-request-token') return json(401, { message: 'bad runner token' });
      return void mint(u.searchParams.get('audience') ?? '').then((value) => json(200, { count: 1, value }));
    }
    json(404, {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  url = `http://127.0.0.1:${port}`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

const backend = BACKENDS[BACKENDS.length - 1]!;

describe(`trusted publishing on ${backend.label}`, () => {
  let rsa: Signer;
  let ec: Signer;
  let rogue: Signer;
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let rogueIssuer: Awaited<ReturnType<typeof startIssuer>>;
  let gitlab: Awaited<ReturnType<typeof startIssuer>>;
  let gitlabKey: Signer;
  let server: TestServer;
  let alice: string;
  let configHome: string;
  let publisherId: number;
  const PKG = 'oidc-templates';
  const OTHER = 'oidc-other';
  const REPO = 'acme/templates';
  const LIFETIME_S = 6;

  /** The claims GitHub Actions puts in a job's ID token, for the trusted job. */
  const goodClaims = (over: JWTPayload = {}): JWTPayload => ({
    iss: issuer.url,
    aud: server.url,
    sub: `repo:${REPO}:environment:release`,
    repository: REPO,
    repository_owner: 'acme',
    repository_owner_id: '4242',
    workflow_ref: `${REPO}/.github/workflows/release.yml@refs/heads/main`,
    environment: 'release',
    run_id: '777001',
    jti: randomUUID(),
    iat: now(),
    nbf: now(),
    exp: now() + 300,
    ...over,
  });
  const sign = (claims: JWTPayload, key: Signer = rsa) =>
    new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  const exchange = (token: string, pkg = PKG) => call(server, null, 'POST', '/oidc/exchange', { token, package: pkg });
  /** Tokens of alice's that an exchange minted: the count that must not move on a refusal. */
  const minted = async () => {
    const r = await call(server, server.adminToken, 'GET', '/tokens?user=alice');
    expect(r.status).toBe(200);
    return (r.body.tokens as { label: string | null }[]).filter((t) => t.label?.startsWith('oidc:')).length;
  };
  const refused = async (token: string, status: number, why: RegExp, pkg = PKG) => {
    const before = await minted();
    const r = await exchange(token, pkg);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.error).toMatch(why);
    expect(r.body.token).toBeUndefined();
    expect(await minted()).toBe(before);
  };

  beforeAll(async () => {
    [rsa, ec, rogue, gitlabKey] = await Promise.all([signer('RS256'), signer('ES256'), signer('RS256'), signer('RS256')]);
    issuer = await startIssuer([rsa, ec], (audience) => sign(goodClaims({ aud: audience })));
    rogueIssuer = await startIssuer([rogue], async () => '');
    gitlab = await startIssuer([gitlabKey], async () => '');
    server = await startTestServer(backend, {
      OIDC_ISSUERS: JSON.stringify([
        { issuer: issuer.url, name: 'local', claims: 'github' },
        { issuer: gitlab.url, name: 'local-gitlab', claims: 'gitlab' },
      ]),
      OIDC_TOKEN_LIFETIME: `${LIFETIME_S}s`,
    });
    configHome = await mkdtemp(join(tmpdir(), 'unjucks-oidc-config-'));
    expect((await call(server, server.adminToken, 'POST', '/users', { name: 'alice' })).status).toBe(201);
    const t = await call(server, server.adminToken, 'POST', '/tokens', {
      name: 'alice',
      actions: ['read', 'publish:new', 'publish:update', 'owners', 'tokens'],
      user: 'alice',
    });
    expect(t.status).toBe(201);
    alice = t.body.token;
    for (const name of [PKG, OTHER]) expect((await publishRaw(server.api, alice, packageTarball(name, '1.0.0'))).status).toBe(201);
    // The owner trusts the release workflow of acme/templates in environment "release", through the CLI.
    const added = await unjucks(
      [
        'trust',
        'add',
        PKG,
        '--issuer',
        issuer.url,
        '--repository',
        REPO,
        '--owner-id',
        '4242',
        '--workflow',
        'release.yml',
        '--environment',
        'release',
        '--registry',
        server.url,
        '--json',
      ],
      { env: { UNJUCKS_TOKEN: alice, XDG_CONFIG_HOME: configHome } },
    );
    expect(added.code, added.stderr).toBe(0);
    publisherId = JSON.parse(added.stdout).id;
    expect(publisherId).toBeGreaterThan(0);
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
    await issuer?.close();
    await rogueIssuer?.close();
    await gitlab?.close();
    if (configHome) await rm(configHome, { recursive: true, force: true });
  });

  it('lists and refuses trusted publishers as the owners right says', async () => {
    const ls = await unjucks(['trust', 'ls', PKG, '--registry', server.url, '--json'], { env: { UNJUCKS_TOKEN: alice, XDG_CONFIG_HOME: configHome } });
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout).trustedPublishers).toMatchObject([
      { id: publisherId, issuer: issuer.url, repository: REPO, repositoryOwnerId: '4242', workflow: 'release.yml', environment: 'release', createdBy: 'alice' },
    ]);
    // A maintainer (no "owners" right on the package) may neither see nor add them.
    expect((await call(server, server.adminToken, 'POST', '/users', { name: 'mallory' })).status).toBe(201);
    expect((await call(server, alice, 'PUT', `/packages/${PKG}/access/mallory`, { role: 'maintainer' })).status).toBe(200);
    const m = await call(server, server.adminToken, 'POST', '/tokens', { name: 'm', actions: ['read', 'publish:update', 'owners'], user: 'mallory' });
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { issuer: issuer.url, repository: 'mallory/evil', repositoryOwnerId: '666', workflow: 'x.yml' }],
    ] as const) {
      const r = await call(server, m.body.token, method, `/packages/${PKG}/trusted-publishers`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(403);
    }
    // An issuer the registry does not accept cannot be trusted.
    const unknown = await call(server, alice, 'POST', `/packages/${PKG}/trusted-publishers`, {
      issuer: rogueIssuer.url,
      repository: REPO,
      repositoryOwnerId: '4242',
      workflow: 'release.yml',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/not one this registry accepts/);
  });

  it('a good ID token (RS256 or ES256) becomes a publish token for that package alone, and the audit log names the job', async () => {
    for (const key of [rsa, ec]) {
      const before = await minted();
      const r = await exchange(await sign(goodClaims(), key));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toMatchObject({ user: 'alice', actions: ['publish:update'], packages: [PKG], trustedPublisher: publisherId });
      expect(new Date(r.body.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(LIFETIME_S * 1000);
      expect(await minted()).toBe(before + 1);
      const version = key === rsa ? '1.1.0' : '1.1.1';
      const published = await publishRaw(server.api, r.body.token, packageTarball(PKG, version));
      expect(published.status, JSON.stringify(published.body)).toBe(201);
      // Not another package, not a new one, and nothing but publishing.
      expect((await publishRaw(server.api, r.body.token, packageTarball(OTHER, version))).status).toBe(403);
      expect((await publishRaw(server.api, r.body.token, packageTarball('oidc-brand-new', '1.0.0'))).status).toBe(403);
      expect((await call(server, r.body.token, 'PUT', `/packages/${PKG}/dist-tags/latest`, '"1.0.0"')).status).toBe(403);
      expect((await call(server, r.body.token, 'POST', '/tokens', { name: 'escalate', actions: ['publish:update'] })).status).toBe(403);
    }
    const audit = await call(server, server.adminToken, 'GET', '/audit?action=oidc.exchange&outcome=ok');
    expect(audit.body.records[0]).toMatchObject({
      actor: `oidc:local:${REPO}`,
      target: PKG,
      detail: {
        repository: REPO,
        workflow: `${REPO}/.github/workflows/release.yml@refs/heads/main`,
        runId: '777001',
        environment: 'release',
        trustedPublisher: publisherId,
        user: 'alice',
      },
    });
    // The publish itself is recorded under the minted token, which names the trusted publisher's job.
    const tokens = await call(server, server.adminToken, 'GET', '/tokens?user=alice');
    const row = tokens.body.tokens.find((t: { id: string }) => t.id === audit.body.records[0].detail.token);
    expect(row.label).toBe(`oidc: ${REPO} release.yml run 777001`);
    const publish = await call(server, server.adminToken, 'GET', `/audit?action=package.publish&target=${PKG}&outcome=ok`);
    expect(row.trustedPublisher).toBe(publisherId);
    const viaJob = publish.body.records.find((r: { tokenId: string }) => r.tokenId === row.id);
    expect(viaJob).toMatchObject({ actor: 'alice', detail: { trustedPublisher: publisherId } });
  });

  it('publishes through the real CLI in a GitHub Actions job with no token configured', async () => {
    const dir = await writePackageDir(PKG, '1.2.0');
    try {
      const asked = issuer.requests.length;
      const r = await unjucks(['publish', dir, '--registry', server.url], {
        env: {
          XDG_CONFIG_HOME: configHome,
          GITHUB_ACTIONS: 'true',
          ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer.url}/gh-token?api-version=2.0`,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
        },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`published ${PKG}@1.2.0`);
      expect(issuer.requests.slice(asked)).toEqual([{ audience: server.url, authorization: 'bearer runner-request-token' }]);
      const info = await call(server, null, 'GET', `/packages/${PKG}`);
      expect(info.body['dist-tags'].latest).toBe('1.2.0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the CLI says what to do in a GitHub Actions job without id-token: write, and publishes with REGISTRY_TOKEN', async () => {
    const dir = await writePackageDir(PKG, '1.3.0');
    try {
      const env = { XDG_CONFIG_HOME: configHome, GITHUB_ACTIONS: 'true' };
      const denied = await unjucks(['publish', dir, '--registry', server.url], { env });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('permissions: id-token: write');
      const ok = await unjucks(['publish', dir, '--registry', server.url], { env: { ...env, REGISTRY_TOKEN: alice } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain(`published ${PKG}@1.3.0`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('publishes through the real CLI in a GitLab CI job with an id_tokens variable', async () => {
    const add = await call(server, alice, 'POST', `/packages/${PKG}/trusted-publishers`, {
      issuer: gitlab.url,
      repository: 'acme/tools/templates',
      repositoryOwnerId: 77,
      workflow: '.gitlab-ci.yml',
    });
    expect(add.status, JSON.stringify(add.body)).toBe(201);
    const claims = {
      iss: gitlab.url,
      aud: server.url,
      sub: 'project_path:acme/tools/templates:ref_type:tag:ref:v1.3.1',
      project_path: 'acme/tools/templates',
      namespace_id: '77',
      namespace_path: 'acme/tools',
      ci_config_ref_uri: 'gitlab.example.com/acme/tools/templates//.gitlab-ci.yml@refs/tags/v1.3.1',
      pipeline_id: '5150',
      jti: randomUUID(),
      iat: now(),
      nbf: now(),
      exp: now() + 300,
    };
    const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: gitlabKey.kid, typ: 'JWT' }).sign(gitlabKey.privateKey);
    const dir = await writePackageDir(PKG, '1.3.1');
    try {
      const env = { XDG_CONFIG_HOME: configHome, GITLAB_CI: 'true' };
      const without = await unjucks(['publish', dir, '--registry', server.url], { env });
      expect(without.code).toBe(1);
      expect(without.stderr).toContain(`id_tokens: { UNJUCKS_ID_TOKEN: { aud: ${server.url} } }`);
      const r = await unjucks(['publish', dir, '--registry', server.url], { env: { ...env, UNJUCKS_ID_TOKEN: idToken } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`published ${PKG}@1.3.1`);
      const audit = await call(server, server.adminToken, 'GET', '/audit?action=oidc.exchange&outcome=ok&limit=1');
      expect(audit.body.records[0]).toMatchObject({
        actor: 'oidc:local-gitlab:acme/tools/templates',
        detail: { runId: '5150', trustedPublisher: add.body.id },
      });
      // The GitHub job's token does not fit the GitLab publisher, nor the other way round.
      await refused(
        await new SignJWT({ ...claims, jti: randomUUID(), project_path: REPO })
          .setProtectedHeader({ alg: 'RS256', kid: gitlabKey.kid })
          .sign(gitlabKey.privateKey),
        403,
        /no trusted publisher/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await call(server, alice, 'DELETE', `/packages/${PKG}/trusted-publishers/${add.body.id}`);
    }
  });

  describe('refused, with nothing minted', () => {
    it('a wrong repository', async () =>
      refused(
        await sign(goodClaims({ repository: 'acme/other', sub: 'repo:acme/other:environment:release' })),
        403,
        /no trusted publisher of oidc-templates matches/,
      ));
    it('a wrong repository owner id (the same name, re-registered by someone else)', async () =>
      refused(await sign(goodClaims({ repository_owner_id: '9999' })), 403, /owner id 9999/));
    it('a wrong workflow', async () =>
      refused(await sign(goodClaims({ workflow_ref: `${REPO}/.github/workflows/ci.yml@refs/heads/main` })), 403, /workflow .*ci\.yml/));
    it('a wrong or missing environment', async () => {
      await refused(await sign(goodClaims({ environment: 'staging' })), 403, /environment staging/);
      await refused(await sign(goodClaims({ environment: undefined })), 403, /environment \(none\)/);
    });
    it('a wrong audience', async () =>
      refused(await sign(goodClaims({ aud: 'https://registry.example.com' })), 401, new RegExp(`audience .*${server.url.replaceAll('.', '\\.')}`)));
    it('an issuer the registry does not accept', async () =>
      refused(await sign(goodClaims({ iss: rogueIssuer.url }), rogue), 401, /not one this registry accepts/));
    it("the trusted issuer's name on a token signed by someone else's key", async () => {
      await refused(await sign(goodClaims(), rogue), 401, /signature was not made by a key of/);
      // Even under the kid of a real key.
      await refused(await sign(goodClaims(), { ...rogue, kid: rsa.kid }), 401, /signature was not made by a key of/);
    });
    it('an expired token, one not yet valid, one issued in the future', async () => {
      await refused(await sign(goodClaims({ iat: now() - 900, nbf: now() - 900, exp: now() - 600 })), 401, /expired/);
      await refused(await sign(goodClaims({ nbf: now() + 600 })), 401, /"nbf"/);
      await refused(await sign(goodClaims({ iat: now() + 600 })), 401, /"iat"/);
    });
    it('a token without jti', async () => refused(await sign(goodClaims({ jti: undefined })), 401, /"jti"/));
    it('a replayed jti: accepted once', async () => {
      const token = await sign(goodClaims());
      const first = await exchange(token);
      expect(first.status).toBe(201);
      await refused(token, 401, /already exchanged/);
      // The same jti in a freshly signed token is the same token to the registry.
      await refused(await sign(goodClaims({ jti: JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti })), 401, /already exchanged/);
    });
    it('alg: none', async () => {
      const claims = goodClaims();
      await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, 401, /"none"/);
      await refused(`${b64({ alg: 'none', typ: 'JWT', kid: rsa.kid })}.${b64(claims)}.${b64('x')}`, 401, /"none"/);
    });
    it('HS256, keyed with the public key (algorithm confusion)', async () => {
      const hs = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).sign(new TextEncoder().encode(rsa.publicPem));
      await refused(hs, 401, /"HS256"/);
    });
    it('a good token for a package that does not trust the job, or does not exist', async () => {
      await refused(await sign(goodClaims()), 403, /no trusted publisher of oidc-other/, OTHER);
      await refused(await sign(goodClaims()), 403, /no trusted publisher of oidc-missing/, 'oidc-missing');
    });
  });

  it('the minted token expires', async () => {
    const r = await exchange(await sign(goodClaims()));
    expect(r.status).toBe(201);
    await new Promise((res) => setTimeout(res, (LIFETIME_S + 1) * 1000));
    const late = await publishRaw(server.api, r.body.token, packageTarball(PKG, '1.4.0'));
    expect(late.status).toBe(401);
    expect(late.body.error).toMatch(/expired/);
    // Fifteen minutes unless the operator says otherwise.
    expect(loadConfig({}).oidc.tokenLifetimeSeconds).toBe(15 * 60);
  }, 30_000);

  it.skipIf(backend.db !== 'postgres')(
    'a jti used on one replica is refused on another',
    async () => {
      const replica = await startTestServer(backend, { OIDC_ISSUERS: server.env.OIDC_ISSUERS!, OIDC_TOKEN_LIFETIME: `${LIFETIME_S}s` }, { replicaOf: server });
      try {
        // Each replica is its own audience here (no shared PUBLIC_URL in the test): the same jti, signed for each.
        const jti = randomUUID();
        expect((await exchange(await sign(goodClaims({ jti })))).status).toBe(201);
        const again = await fetch(`${replica.api}/oidc/exchange`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: await sign(goodClaims({ jti, aud: replica.url })), package: PKG }),
        });
        const body = (await again.json()) as { error: string };
        expect(again.status, body.error).toBe(401);
        expect(body.error).toMatch(/already exchanged/);
        const fresh = await fetch(`${replica.api}/oidc/exchange`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: await sign(goodClaims({ aud: replica.url })), package: PKG }),
        });
        expect(fresh.status).toBe(201);
      } finally {
        await replica.destroy();
      }
    },
    60_000,
  );

  it('removing the trusted publisher stops its tokens at once, and the job with them', async () => {
    const r = await exchange(await sign(goodClaims()));
    expect(r.status).toBe(201);
    const rmd = await unjucks(['trust', 'rm', PKG, String(publisherId), '--registry', server.url], {
      env: { UNJUCKS_TOKEN: alice, XDG_CONFIG_HOME: configHome },
    });
    expect(rmd.code, rmd.stderr).toBe(0);
    expect((await publishRaw(server.api, r.body.token, packageTarball(PKG, '1.5.0'))).status).toBe(401);
    await refused(await sign(goodClaims()), 403, /no trusted publisher/);
  });
});
