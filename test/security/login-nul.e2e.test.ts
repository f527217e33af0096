import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * A NUL byte in a user name (review of issue 13): Postgres text refuses it, so a login that
 * reached the database with one answered 500. It is bad input: 400 with a code, nothing stored.
 * And a token for a non-admin never holds "admin", over the API as in the server CLI.
 */
describe.each(
  BACKENDS.filter((b) => b.db === 'postgres')
    .concat(BACKENDS)
    .slice(0, 1),
)('hostile account input on $label', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.destroy());

  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${server.api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('answers a NUL byte in the login name with 400 invalid_name, on the native API and npm login', async () => {
    const native = await post('/auth/login', { username: 'adm\u0000in', password: 'whatever' });
    expect(native.status).toBe(400);
    expect(await native.json()).toMatchObject({ code: 'invalid_name', error: expect.stringMatching(/NUL/) });

    const npm = await fetch(`${server.url}/-/user/org.couchdb.user:nul`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'n\u0000ul', password: 'whatever' }),
    });
    expect(npm.status).toBeLessThan(500);
    expect(npm.status).toBeGreaterThanOrEqual(400);
    // The server still answers logins after it.
    expect((await post('/auth/login', { username: 'nobody', password: 'x' })).status).toBe(401);
  });

  it('refuses an admin a token with "admin" for a user who is not a registry admin', async () => {
    expect((await post('/users', { name: 'plain', password: 'correct horse plain' }, server.adminToken)).status).toBe(201);
    const r = await post('/tokens', { user: 'plain', actions: ['read', 'admin'] }, server.adminToken);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ code: 'bad_request', error: expect.stringMatching(/not a registry admin/) });
    expect((await post('/tokens', { user: 'plain', actions: ['read'] }, server.adminToken)).status).toBe(201);
  });
});
