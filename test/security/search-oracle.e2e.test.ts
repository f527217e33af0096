import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { manifestFor, packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Search must answer an outsider exactly as if the private packages did not exist. A word the
 * index holds is matched as typed, an unknown one also as a prefix and with typos: when a private
 * package's words counted as "held", anyone could tell whether some private package uses a word
 * (a codename, a client's name) by publishing a public package holding that word plus a letter
 * and seeing whether searching the word finds it.
 */
const engineBackend = BACKENDS[BACKENDS.length - 1]!;

describe.each(['memory', 'postgres'])('search on the %s engine tells outsiders nothing about private words', (engine) => {
  let server: TestServer;
  let ursula = '';
  const api = (token: string | null, method: string, path: string, body?: unknown) => call(server, token, method, path, body);
  const withKeyword = (name: string, keyword: string) =>
    packageTarball(name, '1.0.0', { manifest: { ...manifestFor(name, '1.0.0'), keywords: [keyword], description: 'plain' } });
  const names = async (q: string, token: string | null) =>
    ((await api(token, 'GET', `/search?q=${encodeURIComponent(q)}`)).body.objects as { package: { name: string } }[]).map((o) => o.package.name);

  beforeAll(async () => {
    server = await startTestServer(engineBackend, {
      SEARCH_ENGINE: engine,
      RATE_LIMIT_IP_PER_MINUTE: '0',
      RATE_LIMIT_TOKEN_PER_MINUTE: '0',
      DOWNLOADS_FLUSH_MS: '100',
    });
    const admin = server.adminToken;
    expect((await api(admin, 'POST', '/users', { name: 'ursula', password: 'ursula password 123' })).status).toBe(201);
    ursula = (await api(null, 'POST', '/auth/login', { username: 'ursula', password: 'ursula password 123' })).body.token;
    // An org whose packages are private from their first version: their words were never public.
    expect((await api(admin, 'POST', '/orgs', { name: 'vault' })).status).toBe(201);
    expect((await api(admin, 'PUT', '/orgs/vault/visibility', { visibility: 'private' })).status).toBe(200);
    expect((await publishRaw(server.api, admin, withKeyword('@vault/ledger', 'quokkaplume'))).status).toBe(201);
    // The prober's own public packages: one word of each pair is in the private package, one is not.
    expect((await publishRaw(server.api, ursula, withKeyword('probe-one', 'quokkaplumex'))).status).toBe(201);
    expect((await publishRaw(server.api, ursula, withKeyword('probe-two', 'wombatfrostx'))).status).toBe(201);
  }, 60_000);
  afterAll(() => server?.destroy());

  it('a word only a private package holds is expanded as if no package held it', async () => {
    for (const token of [null, ursula]) {
      // The control: a word no package holds finds the prober's package by its prefix.
      expect(await names('wombatfrost', token)).toEqual(['probe-two']);
      expect(await names('quokkaplume', token)).toEqual(['probe-one']);
      expect(await names('quokkaplume wombatfrost', token)).toEqual(expect.arrayContaining(['probe-one', 'probe-two']));
    }
    // The owner still finds the private package by its word.
    expect(await names('quokkaplume', server.adminToken)).toContain('@vault/ledger');
  });

  it("popularity is relative to the most downloaded public package, never a private one's count", async () => {
    for (let i = 0; i < 8; i++)
      await (
        await fetch(`${server.api}/packages/@vault%2Fledger/-/ledger-1.0.0.tgz`, { headers: { authorization: `Bearer ${server.adminToken}` } })
      ).arrayBuffer();
    await (await fetch(`${server.api}/packages/probe-two/-/probe-two-1.0.0.tgz`)).arrayBuffer();
    type Hit = { package: { name: string }; downloads: { monthly: number }; score: { detail: { popularity: number } } };
    const hitOf = async (q: string, token: string | null) =>
      ((await api(token, 'GET', `/search?q=${encodeURIComponent(q)}`)).body.objects as Hit[]).find((o) => o.package.name === 'probe-two');
    const deadline = Date.now() + 5000;
    let hit: Hit | undefined;
    do {
      await new Promise((r) => setTimeout(r, 100));
      hit = await hitOf('wombatfrost', ursula);
    } while ((hit?.downloads.monthly !== 1 || hit.score.detail.popularity !== 1) && Date.now() < deadline);
    // The private package's 8 downloads would make it log(2)/log(9) = 0.32.
    expect(hit?.downloads.monthly).toBe(1);
    expect(hit?.score.detail.popularity).toBe(1);
    expect((await hitOf('wombatfrost', null))?.score.detail.popularity).toBe(1);
  });
});
