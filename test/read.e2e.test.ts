import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe.each(BACKENDS)('reads on $label', (backend) => {
  let server: TestServer;
  const tarballs = new Map<string, Buffer>();
  beforeAll(async () => {
    server = await startTestServer(backend);
    for (const v of ['1.0.0', '1.1.0', '1.2.0-beta.1', '2.0.0-rc.1', '0.9.0']) {
      const t = packageTarball('@acme/react-gen', v);
      tarballs.set(v, t);
      expect((await publishRaw(server.api, server.adminToken, t)).status).toBe(201);
    }
  });
  afterAll(() => server?.destroy());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.api}${path}`, { headers });
  const resolve = async (spec: string) => {
    const res = await get(`/packages/@acme/react-gen/${encodeURIComponent(spec)}`);
    return res.status === 200 ? ((await res.json()) as { version: string }).version : res.status;
  };

  it('returns every version with dist, times and dist-tags', async () => {
    const doc = await (await get('/packages/@acme%2Freact-gen')).json();
    expect(doc.name).toBe('@acme/react-gen');
    expect(doc['dist-tags']).toEqual({ latest: '1.1.0' });
    expect(Object.keys(doc.versions)).toEqual(['0.9.0', '1.0.0', '1.1.0', '1.2.0-beta.1', '2.0.0-rc.1']);
    const v = doc.versions['1.0.0'];
    const t = tarballs.get('1.0.0')!;
    expect(v.dist).toEqual({
      tarball: `${server.url}/api/v1/packages/@acme/react-gen/-/react-gen-1.0.0.tgz`,
      integrity: `sha512-${createHash('sha512').update(t).digest('base64')}`,
      shasum: createHash('sha1').update(t).digest('hex'),
      size: t.length,
      fileCount: 3,
      unpackedSize: expect.any(Number),
    });
    expect(v.manifest.unjucks.generators.component.templates.react.description).toBe('a React component');
    expect(v.publishedBy).toBe('admin');
    expect(new Date(doc.time['1.0.0']).getTime()).toBeGreaterThan(0);
    expect(new Date(doc.time.created).getTime()).toBeLessThanOrEqual(new Date(doc.time.modified).getTime());
    expect(doc.readme).toContain('# @acme/react-gen');
  });

  it('accepts a scoped name encoded or as two segments', async () => {
    for (const path of ['/packages/@acme%2Freact-gen', '/packages/@acme%2freact-gen', '/packages/%40acme%2Freact-gen', '/packages/@acme/react-gen']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect((await res.json()).name).toBe('@acme/react-gen');
    }
  });

  it('sends an ETag and answers 304 to If-None-Match, until the package changes', async () => {
    const first = await get('/packages/@acme/react-gen');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    // The native read and npm's packument share one cache rule (they differed: no Vary here).
    const npm = await fetch(`${server.url}/@acme%2freact-gen`);
    for (const h of ['cache-control', 'vary']) expect(first.headers.get(h), h).toBe(npm.headers.get(h));
    expect(first.headers.get('vary')).toBe('Accept, Authorization, Accept-Encoding');
    const again = await get('/packages/@acme/react-gen', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    await publishRaw(server.api, server.adminToken, packageTarball('@acme/react-gen', '1.1.1'));
    const changed = await get('/packages/@acme/react-gen', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('resolves exact versions, ranges and dist-tags as npm does', async () => {
    expect(await resolve('1.0.0')).toBe('1.0.0');
    expect(await resolve('^1.0.0')).toBe('1.1.1');
    expect(await resolve('~1.0.0')).toBe('1.0.0');
    expect(await resolve('*')).toBe('1.1.1');
    expect(await resolve('latest')).toBe('1.1.1');
    expect(await resolve('>=1.2.0-beta.0 <1.3.0')).toBe('1.2.0-beta.1'); // the range names a prerelease
    expect(await resolve('^2.0.0-rc.0')).toBe('2.0.0-rc.1');
    expect(await resolve('^2.0.0')).toBe(404); // prereleases are skipped unless named
    expect(await resolve('9.9.9')).toBe(404);
    expect(await resolve('nosuchtag')).toBe(404);
  });

  it('explains a spec that matches nothing', async () => {
    const res = await get('/packages/@acme/react-gen/%5E5.0.0');
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/no version of @acme\/react-gen matching "\^5.0.0".*versions: 0.9.0, 1.0.0/);
  });

  it('streams the tarball bytes with Content-Length and an ETag', async () => {
    const res = await fetch(`${server.url}/api/v1/packages/@acme/react-gen/-/react-gen-1.0.0.tgz`);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(tarballs.get('1.0.0')!)).toBe(true);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    const etag = res.headers.get('etag')!;
    expect(etag).toBe(`"${createHash('sha1').update(bytes).digest('hex')}"`);
    const cached = await fetch(`${server.url}/api/v1/packages/@acme%2Freact-gen/-/react-gen-1.0.0.tgz`, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
  });

  it('answers 404 with a JSON error for unknown packages, versions and tarballs', async () => {
    for (const path of ['/packages/nope', '/packages/@acme/react-gen/-/react-gen-7.0.0.tgz', '/packages/@acme/react-gen/-/other-1.0.0.tgz', '/nothing-here']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(typeof (await res.json()).error).toBe('string');
    }
  });

  it('answers 400 for an invalid package name', async () => {
    const res = await get('/packages/UPPER');
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/lowercase/);
  });

  it('sets, lists and removes dist-tags', async () => {
    const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
    const put = await fetch(`${server.api}/packages/@acme/react-gen/dist-tags/beta`, { method: 'PUT', headers: auth, body: JSON.stringify('1.2.0-beta.1') });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ beta: '1.2.0-beta.1', latest: '1.1.1' });
    expect(await resolve('beta')).toBe('1.2.0-beta.1');
    const move = await fetch(`${server.api}/packages/@acme%2Freact-gen/dist-tags/latest`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ version: '1.0.0' }),
    });
    expect(move.status).toBe(200);
    expect(await resolve('latest')).toBe('1.0.0');
    const missing = await fetch(`${server.api}/packages/@acme/react-gen/dist-tags/stale`, { method: 'PUT', headers: auth, body: JSON.stringify('8.8.8') });
    expect(missing.status).toBe(404);
    const rangeTag = await fetch(`${server.api}/packages/@acme/react-gen/dist-tags/%5E1`, { method: 'PUT', headers: auth, body: JSON.stringify('1.0.0') });
    expect(rangeTag.status).toBe(400);
    const del = await fetch(`${server.api}/packages/@acme/react-gen/dist-tags/beta`, { method: 'DELETE', headers: auth });
    expect(await del.json()).not.toHaveProperty('beta');
    const delLatest = await fetch(`${server.api}/packages/@acme/react-gen/dist-tags/latest`, { method: 'DELETE', headers: auth });
    expect(delLatest.status).toBe(400);
    expect(await (await get('/packages/@acme/react-gen/dist-tags')).json()).toEqual({ latest: '1.0.0' });
    const anon = await fetch(`${server.api}/packages/@acme/react-gen/dist-tags/beta`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '"1.0.0"',
    });
    expect(anon.status).toBe(401);
  });

  it('refuses an oversized JSON body with a 413', async () => {
    const res = await fetch(`${server.api}/packages/@acme/react-gen/0.9.0/deprecate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'x'.repeat(100 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/larger than/);
  });

  it('deprecates a version and lifts the deprecation', async () => {
    const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
    const url = `${server.api}/packages/@acme/react-gen/0.9.0/deprecate`;
    const res = await fetch(url, { method: 'POST', headers: auth, body: JSON.stringify({ message: 'use 1.x' }) });
    expect(res.status).toBe(200);
    let doc = await (await get('/packages/@acme/react-gen')).json();
    expect(doc.versions['0.9.0'].deprecated).toBe('use 1.x');
    expect(doc.versions['1.0.0']).not.toHaveProperty('deprecated');
    await fetch(url, { method: 'POST', headers: auth, body: JSON.stringify({ message: '' }) });
    doc = await (await get('/packages/@acme/react-gen')).json();
    expect(doc.versions['0.9.0']).not.toHaveProperty('deprecated');
    const bad = await fetch(url, { method: 'POST', headers: auth, body: JSON.stringify({ nope: 1 }) });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${server.api}/packages/@acme/react-gen/4.0.0/deprecate`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ message: 'x' }),
    });
    expect(unknown.status).toBe(404);
  });
});
