import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * npm and Yarn classic log out with DELETE /-/user/token/<the token>: the request log wrote the
 * path, so the token's header and claims (its id, user, rights) reached every log reader, cut at
 * 200 characters just before the signature. The logged path now names the route, not the token.
 */
describe('a token in the request path stays out of the log', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, { LOG_LEVEL: 'info' });
  });
  afterAll(() => server?.destroy());

  it('logs npm logout as /-/user/token/[redacted], and the logout still revokes the token', async () => {
    const created = await fetch(`${server.api}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'loggy', password: 'loggy-password-1' }),
    });
    expect(created.status).toBe(201);
    const login = await fetch(`${server.api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'loggy', password: 'loggy-password-1' }),
    });
    const { token } = (await login.json()) as { token: string };
    const [, claims] = token.split('.');
    const out = await fetch(`${server.url}/-/user/token/${token}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(200);
    expect((await fetch(`${server.api}/whoami`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    // The log line is written when the response is ready; give the batched writer a moment.
    await new Promise((r) => setTimeout(r, 300));
    const log = server.stdout();
    expect(log).toContain('/-/user/token/[redacted]');
    expect(log).not.toContain(claims!.slice(0, 40));
  });
});
