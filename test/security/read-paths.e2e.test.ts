import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Every read path against the two kinds of hidden things (a private package; a staged or rejected
 * version of a public one), asked by everyone who must not see them, each time right after an
 * owner or maintainer read the same URL (so any cache holds their view), with and without
 * compression, with the ETag they got, as HEAD and GET, and under every spelling of the name.
 * The hot read path is being rewritten for speed: these tables are what must keep holding.
 */

interface Probe {
  status: number;
  headers: Headers;
  text: string;
}

const SPELLINGS = (scope: string, name: string) => [`@${scope}%2F${name}`, `@${scope}%2f${name}`, `@${scope}/${name}`, `%40${scope}%2F${name}`];

describe.each(BACKENDS)('read paths keep hidden things hidden on $label', (backend) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  let revoked = '';
  let revokedId = '';
  let deletedUserToken = '';
  let narrow = '';

  const get = async (path: string, token: string | null, headers: Record<string, string> = {}, method = 'GET'): Promise<Probe> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      redirect: 'manual',
    });
    return { status: res.status, headers: res.headers, text: method === 'HEAD' ? '' : await res.text() };
  };
  const api = (token: string | null, method: string, path: string, body?: unknown) => call(server, token, method, path, body);
  const newUser = async (name: string) => {
    expect((await api(server.adminToken, 'POST', '/users', { name, password: `${name} password 123` })).status).toBe(201);
    const login = await api(null, 'POST', '/auth/login', { username: name, password: `${name} password 123` });
    expect(login.status).toBe(201);
    return login.body.token as string;
  };

  beforeAll(async () => {
    server = await startTestServer(backend, { RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0', DOWNLOADS_FLUSH_MS: '100' });
    for (const u of ['olga', 'max', 'mia', 'rex', 'ursula', 'dora', 'del']) tokens[u] = await newUser(u);
    expect((await api(server.adminToken, 'POST', '/orgs', { name: 'corp' })).status).toBe(201);
    for (const [u, role] of [
      ['olga', 'owner'],
      ['max', 'maintainer'],
      ['mia', 'maintainer'],
      ['rex', 'reader'],
      ['dora', 'maintainer'],
      ['del', 'maintainer'],
    ])
      expect((await api(server.adminToken, 'PUT', `/orgs/corp/members/${u}`, { role })).status).toBe(200);
    // A private package, and a public one with a staged and a rejected version.
    expect((await publishRaw(server.api, tokens.max!, packageTarball('@corp/secret', '1.0.0'))).status).toBe(201);
    expect((await publishRaw(server.api, tokens.max!, packageTarball('@corp/secret', '1.1.0'))).status).toBe(201);
    expect((await api(tokens.olga!, 'PUT', '/packages/@corp%2Fsecret/visibility', { visibility: 'private' })).status).toBe(200);
    expect((await publishRaw(server.api, tokens.max!, packageTarball('@corp/app', '1.0.0'))).status).toBe(201);
    expect((await api(tokens.olga!, 'PUT', '/packages/@corp%2Fapp/review-policy', { requiredApprovals: 1 })).status).toBe(200);
    expect((await publishRaw(server.api, tokens.max!, packageTarball('@corp/app', '2.0.0', { salt: 'staged' }))).body.status).toBe('staged');
    expect((await publishRaw(server.api, tokens.max!, packageTarball('@corp/app', '2.1.0', { salt: 'rejected' }))).body.status).toBe('staged');
    expect((await api(tokens.olga!, 'POST', '/packages/@corp%2Fapp/2.1.0/reject', { reason: 'no' })).status).toBe(200);
    // An unscoped private package, owned by olga alone.
    expect((await publishRaw(server.api, tokens.olga!, packageTarball('hush-tpl', '1.0.0'))).status).toBe(201);
    expect((await api(tokens.olga!, 'PUT', '/packages/hush-tpl/visibility', { visibility: 'private' })).status).toBe(200);
    // A new package whose only version waits for review (the org's floor): nobody else may know of it.
    expect((await api(tokens.olga!, 'PUT', '/orgs/corp/review-policy', { requiredApprovals: 1 })).status).toBe(200);
    expect((await publishRaw(server.api, tokens.max!, packageTarball('@corp/embargo', '1.0.0'))).body.status).toBe('staged');
    // A maintainer's token whose patterns leave the packages out.
    const n = await api(tokens.max!, 'POST', '/tokens', { name: 'narrow', actions: ['read', 'publish:update'], packages: ['@corp/other'] });
    expect(n.status).toBe(201);
    narrow = n.body.token;
    const r = await api(tokens.max!, 'POST', '/tokens', { name: 'to revoke', actions: ['read', 'publish:update'] });
    revoked = r.body.token;
    revokedId = r.body.id;
    deletedUserToken = tokens.del!;
  }, 120_000);
  afterAll(() => server?.destroy());

  // What a private package's outsiders ask for, under each spelling of its name.
  const privatePaths = (scope: string, base: string): string[] =>
    SPELLINGS(scope, base).flatMap((n) => [
      `/${n}`,
      `/${n}/1.0.0`,
      `/${n}/latest`,
      `/${n}/%5E1`,
      `/${n}/-/${base}-1.0.0.tgz`,
      `/-/package/${n}/dist-tags`,
      `/api/v1/packages/${n}`,
      `/api/v1/packages/${n}/1.0.0`,
      `/api/v1/packages/${n}/latest`,
      `/api/v1/packages/${n}/*`,
      `/api/v1/packages/${n}/1.1.0/report`,
      `/api/v1/packages/${n}/1.1.0/diff?from=1.0.0`,
      `/api/v1/packages/${n}/reviews`,
      `/api/v1/packages/${n}/review-policy`,
      `/api/v1/packages/${n}/dist-tags`,
      `/api/v1/packages/${n}/access`,
      `/api/v1/packages/${n}/trusted-publishers`,
      `/api/v1/packages/${n}/-/${base}-1.0.0.tgz`,
    ]);
  const webPaths = (name: string) => [
    `/-/web/package/${name}`,
    `/-/web/package/${name}?v=1.0.0`,
    `/-/web/package/${name}/files?v=1.0.0&path=package/package.json`,
    `/-/web/package/${name}/files`,
    `/-/web/package/${name}/preview?t=component/react`,
    `/-/web/package/${name}/access`,
  ];
  const variants: { label: string; headers: Record<string, string>; method: string }[] = [
    { label: 'GET', headers: {}, method: 'GET' },
    { label: 'GET gzip,br', headers: { 'accept-encoding': 'gzip, br' }, method: 'GET' },
    { label: 'GET corgi', headers: { accept: 'application/vnd.npm.install-v1+json', 'accept-encoding': 'gzip' }, method: 'GET' },
    { label: 'HEAD', headers: {}, method: 'HEAD' },
  ];

  /**
   * Reads `path` as `insider` (warming every cache), then as each outsider with each variant and
   * with the insider's ETag. An outsider's answer must be exactly the answer for something that
   * never existed (`swap` turns the hidden names into such): same status, same text, no ETag.
   */
  async function leaksOf(paths: string[], insider: string, outsiders: Record<string, string | null>, swap: [string, string][]): Promise<string[]> {
    // Request ids differ on every answer; nothing else may.
    const norm = (t: string) => t.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID');
    const toControl = (t: string) => norm(swap.reduce((x, [hidden, control]) => x.split(hidden).join(control), t));
    const leaks: string[] = [];
    for (const path of paths) {
      // The variants of one path, and the outsiders of one variant, are asked at once: each
      // outsider's questions still come after the insider's read, in the same order. Both
      // processes are CPU-bound, so requests in flight keep both cores busy (the file took ~3 min
      // one request at a time).
      await Promise.all(
        variants.map(async (v) => {
          const seen = await get(path, insider, v.headers, v.method);
          const etag = seen.headers.get('etag');
          await Promise.all(
            Object.entries(outsiders).map(async ([who, token]) => {
              const control = await get(toControl(path), token, v.headers, v.method);
              const tries: Record<string, string>[] = [v.headers];
              if (etag) tries.push({ ...v.headers, 'if-none-match': etag }, { ...v.headers, 'if-none-match': `W/${etag}` });
              for (const h of tries) {
                const res = await get(path, token, h, v.method);
                if (res.status !== control.status || !!res.headers.get('etag') !== !!control.headers.get('etag') || toControl(res.text) !== norm(control.text))
                  leaks.push(
                    `${v.label} ${path} as ${who}${h['if-none-match'] ? ' (If-None-Match)' : ''} → ${res.status} (a missing one: ${control.status}) ${res.text.slice(0, 100)}`,
                  );
              }
            }),
          );
        }),
      );
    }
    return leaks.sort();
  }

  it('a private package answers as a missing one to everyone without the read right, whatever the cache holds', async () => {
    const outsiders = { anonymous: null, unrelated: tokens.ursula!, narrow };
    // Other spellings: a trailing slash, capitals (names are lowercase; both must answer as for a name never used).
    const odd = [
      '/@corp%2Fsecret/',
      '/@CORP%2Fsecret',
      '/@corp%2FSecret/1.0.0',
      '/api/v1/packages/@corp%2FSECRET',
      '/api/v1/packages/@corp%2Fsecret/',
      '/-/web/package/@corp/secret/',
    ];
    const leaks = await leaksOf([...privatePaths('corp', 'secret'), ...webPaths('@corp/secret'), ...odd], tokens.max!, outsiders, [
      ['secret', 'ghost'],
      ['Secret', 'Ghost'],
      ['SECRET', 'GHOST'],
    ]);
    // An unscoped private package: owned by olga alone, so every org member is an outsider too.
    leaks.push(
      ...(await leaksOf([...unscoped('hush-tpl'), ...webPaths('hush-tpl')], tokens.olga!, { ...outsiders, orgMaintainer: tokens.max! }, [
        ['hush-tpl', 'gone-tpl'],
      ])),
    );
    expect(leaks).toEqual([]);
  }, 300_000);

  const unscoped = (n: string) => [
    `/${n}`,
    `/${n}/1.0.0`,
    `/${n}/latest`,
    `/${n}/-/${n}-1.0.0.tgz`,
    `/-/package/${n}/dist-tags`,
    `/api/v1/packages/${n}`,
    `/api/v1/packages/${n}/1.0.0`,
    `/api/v1/packages/${n}/1.0.0/report`,
    `/api/v1/packages/${n}/reviews`,
    `/api/v1/packages/${n}/review-policy`,
    `/api/v1/packages/${n}/access`,
    `/api/v1/packages/${n}/-/${n}-1.0.0.tgz`,
  ];

  it('a staged or rejected version is served to no one but its reviewers, on any route and spelling', async () => {
    const paths = SPELLINGS('corp', 'app').flatMap((n) => [
      `/${n}/2.0.0`,
      `/${n}/2.1.0`,
      `/${n}/%5E2`,
      `/${n}/%3E%3D2.0.0`,
      `/${n}/-/app-2.0.0.tgz`,
      `/${n}/-/app-2.1.0.tgz`,
      `/api/v1/packages/${n}/2.0.0`,
      `/api/v1/packages/${n}/2.1.0`,
      `/api/v1/packages/${n}/%5E2`,
      `/api/v1/packages/${n}/2.0.0/report`,
      `/api/v1/packages/${n}/2.1.0/report`,
      `/api/v1/packages/${n}/2.0.0/diff?from=1.0.0`,
      `/api/v1/packages/${n}/1.0.0/diff?from=2.1.0`,
      `/api/v1/packages/${n}/-/app-2.0.0.tgz`,
      `/api/v1/packages/${n}/-/app-2.1.0.tgz`,
    ]);
    paths.push(
      '/-/web/package/@corp/app?v=2.0.0',
      '/-/web/package/@corp/app?v=2.1.0',
      '/-/web/package/@corp/app/files?v=2.0.0',
      '/-/web/package/@corp/app/files?v=2.0.0&path=package/README.md',
      '/-/web/package/@corp/app/preview?v=2.0.0&t=component/react',
    );
    const outsiders = { anonymous: null, unrelated: tokens.ursula!, reader: tokens.rex!, narrow };
    expect(
      await leaksOf(paths, tokens.mia!, outsiders, [
        ['2.0.0', '9.9.0'],
        ['2.1.0', '9.9.1'],
      ]),
    ).toEqual([]);
    // Documents of the whole package: readable by all, never naming a held version.
    const docs = [
      '/@corp%2fapp',
      '/api/v1/packages/@corp%2Fapp',
      '/api/v1/packages/@corp%2Fapp/dist-tags',
      '/-/package/@corp%2fapp/dist-tags',
      '/api/v1/packages/@corp%2Fapp/reviews',
      '/api/v1/packages/@corp%2Fapp/latest',
      '/api/v1/packages/@corp%2Fapp/*',
      '/@corp%2fapp/*',
      '/-/web/package/@corp/app',
      '/-/web/package/@corp/app/files',
      '/api/v1/search?q=app',
      '/-/v1/search?text=app',
      '/api/v1/search/suggest?q=ap',
      '/-/web/search?q=app',
      '/-/web/org/corp',
      '/-/web/user/max',
    ];
    const leaks: string[] = [];
    // At once as in leaksOf: each outsider's questions after the maintainer's read, in order.
    for (const path of docs)
      await Promise.all(
        variants.map(async (v) => {
          const seen = await get(path, tokens.mia!, v.headers, v.method);
          const etag = seen.headers.get('etag');
          await Promise.all(
            Object.entries(outsiders).map(async ([who, token]) => {
              const own = await get(path, token, v.headers, v.method);
              if (own.status !== 200 || /2\.[01]\.0/.test(own.text)) leaks.push(`${v.label} ${path} as ${who} → ${own.status} names a held version`);
              // A 304 on the maintainer's ETag says the maintainer's view is the outsider's own.
              if (etag && (await get(path, token, { ...v.headers, 'if-none-match': etag }, v.method)).status === 304 && own.headers.get('etag') !== etag)
                leaks.push(`${v.label} ${path} as ${who}: 304 on the maintainer's ETag`);
            }),
          );
        }),
      );
    expect(leaks.sort()).toEqual([]);
  }, 300_000);

  it('a package whose every version waits for review answers as a missing one to all but its reviewers', async () => {
    const paths = [
      ...SPELLINGS('corp', 'embargo').flatMap((n) => [
        `/${n}`,
        `/${n}/1.0.0`,
        `/${n}/latest`,
        `/${n}/-/embargo-1.0.0.tgz`,
        `/-/package/${n}/dist-tags`,
        `/api/v1/packages/${n}`,
        `/api/v1/packages/${n}/1.0.0`,
        `/api/v1/packages/${n}/1.0.0/report`,
        `/api/v1/packages/${n}/reviews`,
        `/api/v1/packages/${n}/review-policy`,
        `/api/v1/packages/${n}/dist-tags`,
        `/api/v1/packages/${n}/access`,
        `/api/v1/packages/${n}/-/embargo-1.0.0.tgz`,
      ]),
      ...webPaths('@corp/embargo'),
    ];
    const outsiders = { anonymous: null, unrelated: tokens.ursula!, reader: tokens.rex!, narrow };
    expect(await leaksOf(paths, tokens.mia!, outsiders, [['embargo', 'ghost']])).toEqual([]);
    // Its reviewers see it.
    expect((await get('/api/v1/packages/@corp%2Fembargo/reviews', tokens.mia!)).text).toContain('1.0.0');
  }, 300_000);

  it('search, suggestions, org and user pages and metrics never name a private package to outsiders', async () => {
    const paths = [
      '/api/v1/search?q=secret',
      '/api/v1/search?q=is:private',
      '/api/v1/search?q=scope:@corp',
      '/api/v1/search?q=maintainer:max',
      '/-/v1/search?text=secret',
      '/api/v1/search/suggest?q=sec',
      '/api/v1/search/suggest?q=hush',
      '/api/v1/search/suggest?q=@corp/',
      '/-/web/?q=secret',
      '/-/web/search?q=secret',
      '/-/web/search?q=hush',
      '/-/web/org/corp',
      '/-/web/user/max',
      '/-/web/user/olga',
    ];
    const leaks: string[] = [];
    for (const path of paths) {
      await get(path, tokens.olga!);
      for (const [who, token] of Object.entries({ anonymous: null, unrelated: tokens.ursula!, narrow })) {
        for (const h of [{}, { 'accept-encoding': 'gzip, br' }] as Record<string, string>[]) {
          const res = await get(path, token, h);
          if (/@corp\/secret|hush-tpl/.test(res.text)) leaks.push(`${path} as ${who} names a private package`);
        }
      }
    }
    // A download of each private package, then the metrics.
    await get('/@corp/secret/-/secret-1.0.0.tgz', tokens.max!);
    await get('/hush-tpl/-/hush-tpl-1.0.0.tgz', tokens.olga!);
    const metrics = await get('/metrics', null);
    if (/secret|hush/.test(metrics.text)) leaks.push('/metrics names a private package');
    const openapi = await get('/openapi.json', null);
    if (/@corp\/|hush-tpl/.test(openapi.text)) leaks.push('/openapi.json names a package');
    expect(leaks).toEqual([]);
  }, 120_000);

  it('a revoked token, a removed user and a demoted member lose the cached view within a second', async () => {
    const within = async (ms: number, check: () => Promise<boolean>) => {
      const t0 = performance.now();
      while (!(await check())) {
        if (performance.now() - t0 > ms) return false;
        await new Promise((r) => setTimeout(r, 10));
      }
      return true;
    };
    const paths = ['/@corp%2fsecret', '/api/v1/packages/@corp%2Fsecret', '/@corp/secret/-/secret-1.0.0.tgz', '/api/v1/packages/@corp%2Fapp/-/app-2.0.0.tgz'];
    // Warm: each of them reads every path.
    for (const p of paths) {
      expect((await get(p, revoked)).status).toBe(200);
      expect((await get(p, deletedUserToken)).status).toBe(200);
      expect((await get(p, tokens.dora!)).status).toBe(200);
    }
    expect((await api(tokens.max!, 'DELETE', `/tokens/${revokedId}`)).status).toBe(200);
    expect((await api(server.adminToken, 'DELETE', '/users/del')).status).toBe(200);
    // dora: maintainer → reader (private package still readable; the staged version not).
    expect((await api(tokens.olga!, 'PUT', '/orgs/corp/members/dora', { role: 'reader' })).status).toBe(200);
    const failures: string[] = [];
    for (const p of paths) {
      if (!(await within(1000, async () => (await get(p, revoked)).status === 401))) failures.push(`${p}: revoked token still served`);
      if (!(await within(1000, async () => (await get(p, deletedUserToken)).status === 401))) failures.push(`${p}: removed user's token still served`);
    }
    if (!(await within(1000, async () => (await get('/api/v1/packages/@corp%2Fapp/-/app-2.0.0.tgz', tokens.dora!)).status === 404)))
      failures.push('demoted maintainer still downloads the staged version');
    // dora removed from the org: the private package is gone for her.
    expect((await api(tokens.olga!, 'DELETE', '/orgs/corp/members/dora')).status).toBe(200);
    for (const p of paths.slice(0, 3))
      if (!(await within(1000, async () => (await get(p, tokens.dora!)).status === 404))) failures.push(`${p}: removed member still served`);
    expect(failures).toEqual([]);
  }, 60_000);
});
