import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * A public package's readers see its live versions, tags and maintainers, and nothing of what
 * happens behind the review rule or the access list: a staged release, a rejected one, a review
 * rule, a team's grant. Each of those bumped the package's `modified` time and `_rev` (and so the
 * ETag) in every document, which told any outsider polling a public package that an unreleased
 * version had been published, and when.
 */
describe('what an outsider of a public package sees of hidden activity', () => {
  let server: TestServer;
  const api = (token: string | null, method: string, path: string, body?: unknown) => call(server, token, method, path, body);

  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  /** Every document an outsider reads about the package: bytes and ETag. */
  async function outsiderView(token: string | null) {
    const reads: [string, Record<string, string>][] = [
      [`${server.url}/@acme%2fkit`, {}],
      [`${server.url}/@acme%2fkit`, { accept: 'application/vnd.npm.install-v1+json' }],
      [`${server.url}/@acme%2fkit`, { accept: 'application/vnd.npm.install-v1+json', 'accept-encoding': 'gzip' }],
      [`${server.api}/packages/@acme%2Fkit`, {}],
      [`${server.api}/packages/@acme%2Fkit/dist-tags`, {}],
    ];
    const view: { url: string; status: number; etag: string | null; body: string }[] = [];
    for (const [url, headers] of reads) {
      const res = await fetch(url, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
      view.push({ url, status: res.status, etag: res.headers.get('etag'), body: await res.text() });
    }
    return view;
  }

  it('leaves every document byte for byte as it was until a version goes live', async () => {
    const olga = (await api(server.adminToken, 'POST', '/users', { name: 'olga', password: 'olga password 123' })).body;
    expect(olga).toBeTruthy();
    const owner = (await api(null, 'POST', '/auth/login', { username: 'olga', password: 'olga password 123' })).body.token as string;
    expect((await api(server.adminToken, 'POST', '/users', { name: 'mallory', password: 'mallory password 123' })).status).toBe(201);
    const mallory = (await api(null, 'POST', '/auth/login', { username: 'mallory', password: 'mallory password 123' })).body.token as string;
    expect((await api(owner, 'POST', '/orgs', { name: 'acme' })).status).toBe(201);
    expect((await publishRaw(server.api, owner, packageTarball('@acme/kit', '1.0.0'))).status).toBe(201);

    const before = { anonymous: await outsiderView(null), mallory: await outsiderView(mallory) };
    for (const v of Object.values(before)) expect(v.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

    // Behind the rule and the access list: none of this shows to readers.
    expect((await api(owner, 'PUT', '/packages/@acme%2Fkit/review-policy', { requiredApprovals: 1 })).status).toBe(200);
    for (const version of ['1.1.0', '1.2.0']) {
      const staged = await publishRaw(server.api, owner, packageTarball('@acme/kit', version));
      expect(staged.status, JSON.stringify(staged.body)).toBeLessThan(300);
    }
    expect((await api(owner, 'POST', '/orgs/acme/teams', { name: 'devs' })).status).toBe(201);
    expect((await api(owner, 'PUT', '/packages/@acme%2Fkit/access/acme:devs', { role: 'reader' })).status).toBe(200);
    expect((await api(server.adminToken, 'POST', '/packages/@acme%2Fkit/1.2.0/reject', { reason: 'not yet' })).status).toBe(200);
    // The maintainers see the staged release (the hidden activity did happen).
    const reviews = await api(owner, 'GET', '/packages/@acme%2Fkit/reviews');
    expect(JSON.stringify(reviews.body)).toContain('1.1.0');

    expect(await outsiderView(null)).toEqual(before.anonymous);
    expect(await outsiderView(mallory)).toEqual(before.mallory);

    // Going live is news to everyone: the documents, their modified time and _rev all move.
    expect((await api(server.adminToken, 'POST', '/packages/@acme%2Fkit/1.1.0/approve')).status).toBe(200);
    const after = await outsiderView(null);
    const full = (v: typeof after) => JSON.parse(v[0]!.body) as { _rev: string; time: { modified: string }; versions: Record<string, unknown> };
    expect(Object.keys(full(after).versions)).toEqual(['1.0.0', '1.1.0']);
    expect(full(after)._rev).not.toBe(full(before.anonymous)._rev);
    expect(Date.parse(full(after).time.modified)).toBeGreaterThan(Date.parse(full(before.anonymous).time.modified));
    expect(after[1]!.etag).not.toBe(before.anonymous[1]!.etag);
  });
});
