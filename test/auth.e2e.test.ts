import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucksRegistry } from './helpers/cli.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const b64url = (s: string) => Buffer.from(s).toString('base64url');

describe.each(BACKENDS)('auth on $label', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.destroy());

  const mint = async (user: string, role: string, extra: string[] = []) => {
    const r = await unjucksRegistry(['token', 'create', '--user', user, '--role', role, ...extra], { env: server.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout.trim();
  };

  it('bootstraps an admin token file with mode 0600 and never prints the token', async () => {
    const path = join(server.dataDir, 'admin.token');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(server.stdout()).toContain(path);
    expect(server.stdout()).not.toContain(server.adminToken);
    const me = await fetch(`${server.api}/whoami`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(await me.json()).toMatchObject({
      username: 'admin',
      admin: true,
      token: { actions: expect.arrayContaining(['admin', 'publish:new']), packages: null },
    });
  });

  it('answers 401 with WWW-Authenticate for a missing, malformed, tampered or forged token', async () => {
    const [h, p, s] = server.adminToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const cases: [string, Record<string, string>][] = [
      ['missing', {}],
      ['empty bearer', { authorization: 'Bearer ' }],
      ['not bearer', { authorization: `Basic ${b64url('a:b')}` }],
      ['garbage', { authorization: 'Bearer not-a-jwt' }],
      ['tampered payload', { authorization: `Bearer ${h}.${b64url(JSON.stringify({ ...claims, sub: 'mallory' }))}.${s}` }],
      ['tampered signature', { authorization: `Bearer ${h}.${p}.${s!.slice(0, -4)}AAAA` }],
      [
        'alg none',
        {
          authorization: `Bearer ${b64url(JSON.stringify({ alg: 'none', typ: 'unjucks-token+jwt', kid: JSON.parse(Buffer.from(h!, 'base64url').toString()).kid }))}.${p}.`,
        },
      ],
      ['unknown kid', { authorization: `Bearer ${b64url(JSON.stringify({ alg: 'ES256', typ: 'unjucks-token+jwt', kid: 'nope' }))}.${p}.${s}` }],
    ];
    for (const [label, headers] of cases) {
      const r = await fetch(`${server.api}/packages`, { method: 'POST', headers, body: packageTarball('auth-nope', '1.0.0') });
      expect(r.status, label).toBe(401);
      expect(r.headers.get('www-authenticate'), label).toMatch(/^Bearer/);
      const body = await r.json();
      expect(body.error, label).toMatch(/token|Authorization/);
      expect(body, label).toMatchObject({ code: 'unauthorized', requestId: r.headers.get('x-request-id') });
    }
    expect((await fetch(`${server.api}/packages/auth-nope`)).status).toBe(404);
  });

  it('rejects an expired token', async () => {
    const token = await mint('shortlived', 'publisher', ['--expires', '1s']);
    await new Promise((r) => setTimeout(r, 2100));
    const res = await publishRaw(server.api, token, packageTarball('auth-expired', '1.0.0'));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
    expect(res.body.error).toMatch(/expired/);
  });

  it('lets reader tokens read but not write, and publishers write only packages they own', async () => {
    const reader = await mint('rita', 'reader');
    const alice = await mint('alice', 'publisher');
    const bob = await mint('bob', 'publisher');
    const denied = await publishRaw(server.api, reader, packageTarball('auth-owned', '1.0.0'));
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    expect(denied.body.error).toMatch(/does not allow the action "publish:update"/);
    // Refused before the upload is read: even a body that is not a tarball gets the 403.
    expect((await publishRaw(server.api, reader, Buffer.from('not a tarball'))).status).toBe(403);
    expect((await publishRaw(server.api, alice, packageTarball('auth-owned', '1.0.0'))).status).toBe(201);
    expect((await publishRaw(server.api, alice, packageTarball('auth-owned', '1.1.0'))).status).toBe(201);
    const other = await publishRaw(server.api, bob, packageTarball('auth-owned', '1.2.0'));
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('forbidden');
    expect(other.body.error).toMatch(/user bob may not "publish:update" auth-owned: they have no role on it; ask an owner of auth-owned/);
    const tag = await fetch(`${server.api}/packages/auth-owned/dist-tags/x1`, { method: 'PUT', headers: { authorization: `Bearer ${bob}` }, body: '"1.0.0"' });
    expect(tag.status).toBe(403);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('auth-owned', '1.3.0'))).status).toBe(201);
    // Reads stay anonymous.
    expect((await fetch(`${server.api}/packages/auth-owned`)).status).toBe(200);
  });

  it('lets only admins mint tokens over HTTP', async () => {
    const alice = await mint('alice2', 'publisher');
    const body = JSON.stringify({ user: 'eve', actions: ['read'] });
    const res = await fetch(`${server.api}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(403);
    const ok = await fetch(`${server.api}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice2', actions: ['read'] }),
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ user: 'alice2', actions: ['read'], token: expect.any(String), id: expect.any(String) });
  });

  it('mints tokens with the CLI whether or not the server is running', async () => {
    const whileRunning = await mint('dora', 'publisher');
    await server.stop();
    const whileStopped = await mint('erin', 'publisher');
    await server.restart();
    for (const [user, token] of [
      ['dora', whileRunning],
      ['erin', whileStopped],
    ] as const) {
      const me = await fetch(`${server.api}/whoami`, { headers: { authorization: `Bearer ${token}` } });
      expect(await me.json()).toMatchObject({
        username: user,
        admin: false,
        token: { actions: ['read', 'publish:new', 'publish:update', 'tags', 'deprecate', 'unpublish', 'owners', 'tokens'] },
      });
    }
    const bad = await unjucksRegistry(['token', 'create', '--user', 'x', '--role', 'superuser'], { env: server.env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown action "superuser"/);
  });
});
