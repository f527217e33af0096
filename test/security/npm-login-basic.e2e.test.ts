import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Yarn classic logs in (inside `yarn publish` without a token) with PUT
 * /-/user/org.couchdb.user:NAME and `Authorization: Basic base64(NAME:PASSWORD)`, which every
 * route refused with 401 "must be Bearer". Taking Basic there must not open anything else: it is
 * accepted on that one request only, as the login's own credentials, checked like any password,
 * and it must agree with the URL and the body.
 */
describe.each(
  BACKENDS.filter((b) => b.db === 'postgres')
    .concat(BACKENDS)
    .slice(0, 1),
)('Basic credentials on npm login only, on $label', (backend) => {
  let server: TestServer;
  const basic = (name: string, password: string) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
  const login = (name: string, headers: Record<string, string>, body: Record<string, unknown>) =>
    fetch(`${server.url}/-/user/org.couchdb.user:${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, type: 'user', roles: [], ...body }),
    });

  beforeAll(async () => {
    server = await startTestServer(backend);
    const res = await fetch(`${server.api}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'basicbob', password: 'basicbob-password' }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => server?.destroy());

  it("logs in as yarn classic sends it, and the token it answers is that user's", async () => {
    const res = await login('basicbob', { authorization: basic('basicbob', 'basicbob-password') }, { password: 'basicbob-password', email: 'b@example.com' });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    expect(await (await fetch(`${server.url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } })).json()).toEqual({ username: 'basicbob' });
  });

  it('refuses a wrong password, a header naming someone else, and a header that disagrees with the body', async () => {
    expect((await login('basicbob', { authorization: basic('basicbob', 'wrong-password') }, { password: 'wrong-password' })).status).toBe(401);
    expect((await login('basicbob', { authorization: basic('basicbob', 'wrong-password') }, {})).status).toBe(401);
    // The admin's password cannot ride along in the header of someone else's login, nor the other way round.
    const other = await login('basicbob', { authorization: basic('admin', 'basicbob-password') }, { password: 'basicbob-password' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: string }).error).toMatch(/the Authorization header names "admin" but the URL names basicbob/);
    const split = await login('basicbob', { authorization: basic('basicbob', 'wrong-password') }, { password: 'basicbob-password' });
    expect(split.status).toBe(400);
    expect(((await split.json()) as { error: string }).error).toMatch(/different passwords/);
    const noColon = await login('basicbob', { authorization: `Basic ${Buffer.from('basicbob').toString('base64')}` }, { password: 'basicbob-password' });
    expect(noColon.status).toBe(401);
  });

  it('is still a 401 on every other route, with the right password too', async () => {
    const auth = { authorization: basic('admin', 'irrelevant'), 'content-type': 'application/json' };
    const bob = { authorization: basic('basicbob', 'basicbob-password'), 'content-type': 'application/json' };
    for (const [method, path, headers] of [
      ['GET', '/-/whoami', bob],
      ['GET', '/-/user/org.couchdb.user:basicbob', bob],
      ['PUT', '/basic-pkg', bob],
      ['PUT', '/-/package/basic-pkg/dist-tags/next', bob],
      ['POST', '/-/npm/v1/tokens', bob],
      ['GET', '/api/v1/auth/whoami', bob],
      ['PUT', '/-/user/org.couchdb.user:basicbob/-rev/1-x', bob],
      ['DELETE', '/-/user/org.couchdb.user:basicbob', auth],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method, headers, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('www-authenticate'), `${method} ${path}`).toMatch(/^Bearer/);
    }
  });
});
