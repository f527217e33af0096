import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { manifestFor, packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * BM25 weighs a word by how many documents hold it, and a field's length by the average length
 * over the documents. When those statistics counted private packages, an outsider who published
 * a public package holding a probe word saw its searchScore fall as private packages used the
 * word (8.55 alone, 5.94 once private packages held it): a codename or a client's name in a
 * private package was detectable from public search. Nor may one org's private packages move the
 * scores another org's members see. The responses must stay the same byte for byte, apart from
 * `time` (the clock when the answer was made).
 */
const engineBackend = BACKENDS[BACKENDS.length - 1]!;
const PROBE = 'zorblatt';
const SECRETS = Array.from({ length: 12 }, (_, i) => `@vault/secret-${i}`);
const QUERIES = [PROBE, `${PROBE} forms`, 'zorbla', 'zorblat', 'forms', 'plain', `${PROBE} plain forms`];

describe.each(['memory', 'postgres'])('search scores on the %s engine tell nothing about private packages', (engine) => {
  let server: TestServer;
  let ursula = '';
  let vera = '';
  const api = (token: string | null, method: string, path: string, body?: unknown) => call(server, token, method, path, body);
  const tarball = (name: string, description: string, keywords: string[], readme = '') =>
    packageTarball(name, '1.0.0', { manifest: { ...manifestFor(name, '1.0.0'), description, keywords }, salt: readme });
  const publish = async (token: string, body: Uint8Array) => expect((await publishRaw(server.api, token, body)).status).toBe(201);

  /** Everything each actor is answered for each query, as the text a client receives (less `time`). */
  const snapshot = async () => {
    const out: Record<string, string> = {};
    for (const [who, token] of [
      ['anonymous', null],
      ['ursula', ursula],
      ['vera', vera],
    ] as const) {
      for (const q of QUERIES)
        for (const page of ['', '&size=2&from=1']) {
          const r = await api(token, 'GET', `/search?q=${encodeURIComponent(q)}${page}`);
          expect(r.status).toBe(200);
          delete r.body.time;
          out[`${who} ${q}${page}`] = JSON.stringify(r.body);
        }
      out[`${who} suggest`] = JSON.stringify((await api(token, 'GET', `/search/suggest?q=zorb`)).body);
    }
    return out;
  };
  /** Which answers changed first (a short message), then how. */
  const expectSame = (after: Record<string, string>, before: Record<string, string>) => {
    expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual([]);
    expect(after).toEqual(before);
  };
  /** The vault packages the admin finds by the probe word, once the index has caught up with `expected` of them. */
  const vaultFound = async (expected: number) => {
    const deadline = Date.now() + 10_000;
    let found: string[] = [];
    do {
      const r = await api(server.adminToken, 'GET', `/search?q=${PROBE}&size=100`);
      found = (r.body.objects as { package: { name: string } }[]).map((o) => o.package.name).filter((n) => n.startsWith('@vault/'));
      if (found.length === expected) break;
      await new Promise((res) => setTimeout(res, 100));
    } while (Date.now() < deadline);
    return found;
  };

  beforeAll(async () => {
    server = await startTestServer(engineBackend, { SEARCH_ENGINE: engine, RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0' });
    const admin = server.adminToken;
    const signUp = async (name: string) => {
      expect((await api(admin, 'POST', '/users', { name, password: `${name} password 123` })).status).toBe(201);
      return (await api(null, 'POST', '/auth/login', { username: name, password: `${name} password 123` })).body.token as string;
    };
    ursula = await signUp('ursula');
    vera = await signUp('vera');
    for (const org of ['vault', 'cellar']) {
      expect((await api(admin, 'POST', '/orgs', { name: org })).status).toBe(201);
      expect((await api(admin, 'PUT', `/orgs/${org}/visibility`, { visibility: 'private' })).status).toBe(200);
    }
    // Vera reads the cellar org's private package, which holds the probe word too; not the vault's.
    expect((await api(admin, 'PUT', '/orgs/cellar/members/vera', { role: 'reader' })).status).toBe(200);
    await publish(admin, tarball('@cellar/notes', `${PROBE} notes`, [PROBE, 'forms']));
    // The prober's public packages, the word in different fields, and others that only share the rest of the queries.
    await publish(ursula, tarball('score-probe', 'plain', [PROBE]));
    await publish(ursula, tarball('score-probe-docs', `${PROBE} helpers for plain forms`, ['forms']));
    await publish(ursula, tarball('zorblattish-kit', 'a kit', ['kit']));
    await publish(ursula, tarball('score-filler', 'plain forms', ['forms'], 'plain forms and more plain forms'));
    expect(await vaultFound(0)).toEqual([]);
  }, 60_000);
  afterAll(() => server?.destroy());

  it('answers outsiders and other orgs the same whether private packages hold the probe word or not', async () => {
    const before = await snapshot();
    // The outsider and vera find the public packages by the probe word: the probe works.
    expect(JSON.parse(before[`ursula ${PROBE}`]!).objects.map((o: { package: { name: string } }) => o.package.name)).toEqual(
      expect.arrayContaining(['score-probe', 'score-probe-docs']),
    );
    expect(before[`vera ${PROBE}`]).toContain('@cellar/notes');

    // Many private packages full of the word, long fields and words that prefixes and typos reach.
    for (const name of SECRETS)
      await publish(
        server.adminToken,
        tarball(name, `${PROBE} ${PROBE} ledger for forms with many more words than the others`, [PROBE, 'forms', 'zorblattx'], `${PROBE} `.repeat(40)),
      );
    expect((await vaultFound(SECRETS.length)).sort()).toEqual([...SECRETS].sort());
    expectSame(await snapshot(), before);

    // And when they go again.
    for (const name of SECRETS) expect((await api(server.adminToken, 'DELETE', `/packages/${encodeURIComponent(name)}`)).status).toBe(200);
    expect(await vaultFound(0)).toEqual([]);
    expectSame(await snapshot(), before);
  });
});
