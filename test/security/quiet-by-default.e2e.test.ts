import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Finding 6 of the security review (the part about leaks): with the default configuration
 * /metrics named private packages and their downloads, a private package answered 401/403 where
 * a missing one answered 404, and a failed query's parameters were logged whole.
 */
describe('quiet by default', () => {
  let server: TestServer;
  let outsider: string;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('sec-hush', '1.0.0'))).status).toBe(201);
    expect((await call(server, server.adminToken, 'PUT', '/packages/sec-hush/visibility', { visibility: 'private' })).status).toBe(200);
    expect((await call(server, server.adminToken, 'POST', '/users', { name: 'sec-outsider', password: 'correct horse outsider' })).status).toBe(201);
    outsider = (await call(server, null, 'POST', '/auth/login', { username: 'sec-outsider', password: 'correct horse outsider' })).body.token;
  });
  afterAll(() => server?.destroy());

  it('never names a private package in /metrics', async () => {
    const auth = { authorization: `Bearer ${server.adminToken}` };
    expect((await fetch(`${server.api}/packages/sec-hush/-/sec-hush-1.0.0.tgz`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${server.url}/sec-hush/-/sec-hush-1.0.0.tgz`, { headers: auth })).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).not.toContain('sec-hush');
    expect(metrics).toMatch(/^unjucks_downloads_total\{package="\(private\)"\} 2$/m);
  });

  // The request id is each request's own (it equals the X-Request-Id header): it says nothing about the package.
  const answerText = async (r: Response, name: string) => (await r.text()).replaceAll(name, 'NAME').replace(r.headers.get('x-request-id') ?? '\0', 'ID');

  it('answers for a private package exactly as for a missing one, to anyone who may not read it', async () => {
    const paths = (name: string) => [
      `/api/v1/packages/${name}`,
      `/api/v1/packages/${name}/1.0.0`,
      `/api/v1/packages/${name}/dist-tags`,
      `/api/v1/packages/${name}/-/${name}-1.0.0.tgz`,
      `/${name}`,
      `/${name}/1.0.0`,
      `/${name}/-/${name}-1.0.0.tgz`,
    ];
    const hidden = paths('sec-hush');
    const missing = paths('sec-nope');
    for (const token of [null, outsider]) {
      for (let i = 0; i < hidden.length; i++) {
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        const a = await fetch(`${server.url}${hidden[i]}`, { headers });
        const b = await fetch(`${server.url}${missing[i]}`, { headers });
        const label = `${token ? 'outsider' : 'anonymous'} ${hidden[i]}`;
        expect(a.status, label).toBe(404);
        expect(b.status, label).toBe(404);
        expect(await answerText(a, 'sec-hush'), label).toBe(await answerText(b, 'sec-nope'));
      }
    }
    // Writes by a signed-in outsider answer the same way.
    const outsiderHeaders = { authorization: `Bearer ${outsider}`, 'content-type': 'application/json' };
    for (const [method, path, body] of [
      ['PUT', '/api/v1/packages/NAME/dist-tags/beta', '"1.0.0"'],
      ['POST', '/api/v1/packages/NAME/1.0.0/deprecate', '{"message":"x"}'],
      ['PUT', '/NAME', '{"name":"NAME","versions":{}}'],
    ] as const) {
      const a = await fetch(`${server.url}${path.replaceAll('NAME', 'sec-hush')}`, {
        method,
        headers: outsiderHeaders,
        body: body.replaceAll('NAME', 'sec-hush'),
      });
      const b = await fetch(`${server.url}${path.replaceAll('NAME', 'sec-nope')}`, {
        method,
        headers: outsiderHeaders,
        body: body.replaceAll('NAME', 'sec-nope'),
      });
      expect(a.status, `${method} ${path}`).toBe(404);
      expect(await answerText(a, 'sec-hush'), `${method} ${path}`).toBe(await answerText(b, 'sec-nope'));
    }
    // Those who may read it still can.
    expect((await fetch(`${server.url}/sec-hush`, { headers: { authorization: `Bearer ${server.adminToken}` } })).status).toBe(200);
  });

  it('never logs a failed query with its parameters', async () => {
    // A NUL byte is refused by the database, so the request fails inside a query carrying it.
    const secret = `\u0000${'param-that-must-not-be-logged '.repeat(2000)}`;
    const res = await call(server, null, 'POST', '/auth/login', { username: secret, password: 'whatever it is' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    await new Promise((r) => setTimeout(r, 200));
    const out = server.stdout();
    expect(out).not.toContain('param-that-must-not-be-logged param-that-must-not-be-logged');
    for (const line of out.split('\n')) expect(line.length).toBeLessThan(8000);
  });
});
