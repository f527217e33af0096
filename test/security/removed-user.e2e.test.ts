import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Removing a user changes what a package's documents say: who published each version (npm's
 * `_npmUser`, the native `publishedBy`) and who maintains it (`maintainers`). The removal moved no
 * package's revision, so every replica kept serving its cached snapshot, naming the removed user
 * as publisher and maintainer until the package next changed, while a replica that loaded it
 * afresh named no one; and once someone else was given the freed name, the documents credited
 * that new account with the old one's releases.
 */
describe.each(BACKENDS)('a removed user on $label', (backend) => {
  let server: TestServer;
  const api = (token: string | null, method: string, path: string, body?: unknown) => call(server, token, method, path, body);

  beforeAll(async () => {
    server = await startTestServer(backend, { RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  /** Every document that names publishers or maintainers, as an outsider reads it. */
  const documents = async (name: string) => {
    const reads = [
      `${server.url}/${name.replace('/', '%2f')}`,
      `${server.url}/${name.replace('/', '%2f')}/1.0.0`,
      `${server.api}/packages/${name.replace('/', '%2F')}`,
      `${server.api}/packages/${name.replace('/', '%2F')}/1.0.0`,
    ];
    const texts: string[] = [];
    for (const url of reads) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      texts.push(await res.text());
    }
    return texts;
  };

  it('is no longer named as publisher or maintainer by any document, cached or not', async () => {
    const password = 'departed password 123';
    expect((await api(server.adminToken, 'POST', '/users', { name: 'departed', password })).status).toBe(201);
    const token = (await api(null, 'POST', '/auth/login', { username: 'departed', password })).body.token as string;
    expect((await api(server.adminToken, 'POST', '/orgs', { name: 'leavers' })).status).toBe(201);
    expect((await api(server.adminToken, 'PUT', '/orgs/leavers/members/departed', { role: 'maintainer' })).status).toBe(200);
    // Published through the org (no grant of their own), and one unscoped package they own.
    expect((await publishRaw(server.api, token, packageTarball('@leavers/kit', '1.0.0'))).status).toBe(201);
    expect((await publishRaw(server.api, token, packageTarball('leavers-own', '1.0.0'))).status).toBe(201);
    expect((await api(server.adminToken, 'PUT', '/packages/leavers-own/access/admin', { role: 'owner' })).status).toBe(200);
    for (const name of ['@leavers/kit', 'leavers-own']) {
      // Read twice: the second read is answered from the cached snapshot.
      await documents(name);
      for (const text of await documents(name)) expect(text).toContain('"departed"');
    }

    expect((await api(server.adminToken, 'DELETE', '/users/departed')).status).toBe(200);
    // Someone else is given the name: the old releases must not become theirs.
    expect((await api(server.adminToken, 'POST', '/users', { name: 'departed', password: 'newcomer password 123' })).status).toBe(201);
    for (const name of ['@leavers/kit', 'leavers-own']) for (const text of await documents(name)) expect(text).not.toContain('departed');
  }, 60_000);
});
