import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { manifestFor, packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Search's `from` had no upper bound. On the Postgres engine a page past 2^31 failed in SQL (500),
 * and a query of several words sized its ranking heap by from + size: from=1000000000 asked for
 * an 8 GB array on each search, and from=5000000000 threw (500). A page far past any result is
 * refused with a clear 400; one within the bound answers no results and the true total.
 */
describe.each(['memory', 'postgres'])('a far page of search on the %s engine', (engine) => {
  let server: TestServer;
  const api = (path: string) => call(server, null, 'GET', path);

  beforeAll(async () => {
    server = await startTestServer(BACKENDS[BACKENDS.length - 1]!, { SEARCH_ENGINE: engine, RATE_LIMIT_IP_PER_MINUTE: '0' });
    for (const name of ['far-react-component', 'far-react-page', 'far-vue-component']) {
      const manifest = { ...manifestFor(name, '1.0.0'), description: `${name.split('-').slice(1).join(' ')} templates`, keywords: name.split('-').slice(1) };
      expect((await publishRaw(server.api, server.adminToken, packageTarball(name, '1.0.0', { manifest }))).status).toBe(201);
    }
    // Published packages reach search through the change notices: wait until all three are found.
    const deadline = Date.now() + 10_000;
    while ((await api('/search?q=far')).body.total !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }, 120_000);
  afterAll(() => server?.destroy());

  it('refuses a page past the bound with a 400 that says which parameter and its bound', async () => {
    for (const from of ['1000001', '1000000000', '5000000000', '99999999999999999999']) {
      const r = await api(`/search?q=${encodeURIComponent('react component')}&from=${from}`);
      expect(r.status, from).toBe(400);
      expect(r.body.error, from).toMatch(/from must be at most 1000000/);
    }
  });

  it('answers a far page within the bound with no results and the true total', async () => {
    for (const q of ['react component', 'far', 'react vue component']) {
      const first = await api(`/search?q=${encodeURIComponent(q)}`);
      expect(first.status, q).toBe(200);
      expect(first.body.total, q).toBeGreaterThan(0);
      const far = await api(`/search?q=${encodeURIComponent(q)}&from=1000000&size=250`);
      expect(far.status, q).toBe(200);
      expect(far.body.objects, q).toEqual([]);
      expect(far.body.total, q).toBe(first.body.total);
    }
  });
});
