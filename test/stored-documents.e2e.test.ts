import http from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unjucksRegistry } from './helpers/cli.js';
import { metric } from './helpers/metrics.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Rendered documents kept in Postgres for every replica (packages/server/src/registry/stored-documents.ts):
// a replica that holds no snapshot of a package answers the document another one rendered, as long
// as it is current. Two replicas need a shared Postgres.
describe.runIf(!!process.env.TEST_DATABASE_URL)('stored documents on two replicas', () => {
  let a: TestServer;
  let b: TestServer;
  let sql: postgres.Sql;
  const CORGI = 'application/vnd.npm.install-v1+json';
  // Both replicas write the same tarball links, as replicas behind one address do: a document is kept for its public URL.
  const env = { PUBLIC_URL: 'http://registry.test', RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0' };

  beforeAll(async () => {
    a = await startTestServer({ label: 'documents a', db: 'postgres', store: 'fs' }, env);
    b = await startTestServer({ label: 'documents b', db: 'postgres', store: 'fs' }, { ...env, DATA_DIR: a.dataDir }, { replicaOf: a });
    sql = postgres(a.env.DATABASE_URL!, { max: 1, onnotice: () => undefined });
  });
  afterAll(async () => {
    await sql?.end();
    await b?.destroy();
    await a?.destroy();
  });

  type Form = { kind: string; path: (name: string) => string; accept: string };
  const FORMS: Form[] = [
    { kind: 'npm:corgi', path: (n) => `/${n}`, accept: CORGI },
    { kind: 'npm:full', path: (n) => `/${n}`, accept: 'application/json' },
    { kind: 'package', path: (n) => `/api/v1/packages/${n}`, accept: 'application/json' },
  ];
  const read = async (s: TestServer, name: string, form: Form, token: string | null = null) => {
    const res = await fetch(`${s.url}${form.path(name)}`, { headers: { accept: form.accept, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    return { status: res.status, etag: res.headers.get('etag'), text: await res.text() };
  };
  const documents = (s: TestServer, result: 'hit' | 'miss') => metric(s, `unjucks_cache_requests_total{cache="documents",result="${result}"}`);
  const metadata = (s: TestServer, result: 'hit' | 'miss') => metric(s, `unjucks_cache_requests_total{cache="metadata",result="${result}"}`);
  const stored = async (name: string, kind: string) => {
    const [row] = await sql<{ revision: number; current: number; etag: string; gzip: Buffer }[]>`
      select d.revision, p.revision as current, d.etag, d.gzip from package_documents d join packages p on p.id = d.package_id
      where p.name = ${name} and d.kind = ${kind}`;
    return row && { ...row, body: gunzipSync(row.gzip).toString() };
  };
  /** A GET with exactly these headers (fetch adds its own Accept-Encoding and inflates), its body as sent. */
  const rawGet = (s: TestServer, path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http
        .get(`${s.url}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
  /** Polls until the package's `kind` document is stored at its current revision (written within 50 ms of its rendering). */
  const storedNow = async (name: string, kind: string) => {
    const t0 = Date.now();
    for (;;) {
      const row = await stored(name, kind);
      if (row && row.revision === row.current) return row;
      if (Date.now() - t0 > 5000) throw new Error(`${name}'s ${kind} document was not stored at its revision within 5 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** An admin's PUT on the native API, which must succeed. */
  const put = async (path: string, body: unknown) => {
    const res = await fetch(`${a.api}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.text()).toBeLessThan(300);
  };
  /** Publishes `name`, reads it on a in `form` (rendered there), and waits until that document is stored: a's answer and the stored row. */
  const publishedAndStored = async (name: string, form: Form) => {
    await publish(name);
    const first = await read(a, name, form);
    expect(first.status).toBe(200);
    return { first, row: await storedNow(name, form.kind) };
  };
  const publish = async (name: string, version = '1.0.0') => expect((await publishRaw(a.api, a.adminToken, packageTarball(name, version))).status).toBe(201);

  it('answers, on a replica that never loaded the package, the document another rendered: the same bytes and ETag', async () => {
    for (const [i, form] of FORMS.entries()) {
      const name = `stored-same-${i}`;
      const { first, row } = await publishedAndStored(name, form);
      expect(row.body).toBe(first.text);
      expect(row.etag).toBe(first.etag);
      const [hits, misses] = [await documents(b, 'hit'), await metadata(b, 'miss')];
      const second = await read(b, name, form);
      expect(second).toEqual(first);
      expect(await documents(b, 'hit')).toBe(hits + 1);
      // Nothing was loaded for it.
      expect(await metadata(b, 'miss')).toBe(misses);
    }
  });

  it('answers a stored document as the rendered one is answered: gzip or not as asked, 304 on its ETag, the same headers', async () => {
    for (const [i, form] of FORMS.entries()) {
      const asks: Record<string, string>[] = [{ 'accept-encoding': 'gzip, deflate, br' }, {}, { 'if-none-match': '' }];
      for (const [j, ask] of asks.entries()) {
        const name = `stored-asked-${i}-${j}`;
        await publish(name);
        const rendered = await rawGet(a, form.path(name), {
          accept: form.accept,
          ...ask,
          ...(ask['if-none-match'] === undefined ? {} : { 'if-none-match': '"nothing"' }),
        });
        expect(rendered.status).toBe(200);
        const row = await storedNow(name, form.kind);
        const hits = await documents(b, 'hit');
        const etag = rendered.headers.etag!;
        const answer = await rawGet(b, form.path(name), {
          accept: form.accept,
          ...ask,
          ...(ask['if-none-match'] === undefined ? {} : { 'if-none-match': etag }),
        });
        expect(await documents(b, 'hit')).toBe(hits + 1);
        for (const h of ['etag', 'cache-control', 'vary']) expect(answer.headers[h], h).toBe(rendered.headers[h]);
        if (j === 2) {
          expect(answer.status).toBe(304);
          expect(answer.body.byteLength).toBe(0);
          continue;
        }
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe(rendered.headers['content-type']);
        expect(answer.headers['content-length']).toBe(String(answer.body.byteLength));
        if (j === 0) {
          expect(answer.headers['content-encoding']).toBe('gzip');
          expect(gunzipSync(answer.body).toString()).toBe(row.body);
        } else {
          expect(answer.headers['content-encoding']).toBeUndefined();
          expect(answer.body.toString()).toBe(row.body);
        }
      }
    }
  });

  it('never puts back an older document over a newer one', async () => {
    const name = 'stored-newer';
    const form = FORMS[0]!;
    const { row } = await publishedAndStored(name, form);
    // As if another replica had stored the next revision's already.
    await sql`update package_documents set revision = ${row.current + 1}, gzip = ${gzipSync('{"newer":true}')}
      where package_id = (select id from packages where name = ${name}) and kind = ${form.kind}`;
    // b misses it (not this revision), loads, renders and offers the current one: never written over the newer.
    expect((await read(b, name, form)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const after = await stored(name, form.kind);
    expect(after!.revision).toBe(row.current + 1);
    expect(after!.body).toBe('{"newer":true}');
  });

  it('loads a package read from the store again on its next read, and answers it from memory after that', async () => {
    const name = 'stored-admitted';
    const form = FORMS[0]!;
    const { first } = await publishedAndStored(name, form);
    const m0 = await metadata(b, 'miss');
    const d0 = await documents(b, 'hit');
    expect(await read(b, name, form)).toEqual(first);
    expect(await documents(b, 'hit')).toBe(d0 + 1);
    // Read twice: worth a snapshot in memory.
    expect(await read(b, name, form)).toEqual(first);
    expect(await metadata(b, 'miss')).toBe(m0 + 1);
    const h0 = await metadata(b, 'hit');
    expect(await read(b, name, form)).toEqual(first);
    expect(await metadata(b, 'hit')).toBe(h0 + 1);
    expect(await documents(b, 'hit')).toBe(d0 + 1);
  });

  it('never answers a document a change made stale, and stores the new one', async () => {
    const name = 'stored-stale';
    const form = FORMS[0]!;
    const { row: before } = await publishedAndStored(name, form);
    // A second version moves the revision: the stored document is one version short.
    await publish(name, '1.1.0');
    const misses = await documents(b, 'miss');
    const now = await read(b, name, form);
    expect(now.status).toBe(200);
    expect(Object.keys(JSON.parse(now.text).versions)).toEqual(['1.0.0', '1.1.0']);
    expect(await documents(b, 'miss')).toBe(misses + 1);
    const after = await storedNow(name, form.kind);
    expect(after.revision).toBeGreaterThan(before.revision);
    expect(after.body).toBe(now.text);
    // And a dist-tag alone moves it too.
    await put(`/packages/${name}/dist-tags/beta`, { version: '1.0.0' });
    const c = await startTestServer({ label: 'documents c', db: 'postgres', store: 'fs' }, { ...env, DATA_DIR: a.dataDir }, { replicaOf: a });
    try {
      expect(JSON.parse((await read(c, name, form)).text)['dist-tags']).toEqual({ latest: '1.1.0', beta: '1.0.0' });
    } finally {
      await c.stop();
    }
  });

  it("never answers a private package's document, even one stored at its revision", async () => {
    const name = 'stored-private';
    await publish(name);
    for (const form of FORMS) {
      const first = await read(a, name, form);
      expect(first.status).toBe(200);
      await storedNow(name, form.kind);
    }
    // Made private behind the revision's back (as a change no write path makes would be): the
    // visibility is read with the document, so the stored one is never served.
    await sql`update packages set visibility = 'private' where name = ${name}`;
    const c = await startTestServer({ label: 'documents d', db: 'postgres', store: 'fs' }, { ...env, DATA_DIR: a.dataDir }, { replicaOf: a });
    try {
      for (const form of FORMS) {
        const anonymous = await read(c, name, form);
        expect(anonymous.status).toBe(404);
        expect(anonymous.text).not.toContain('1.0.0');
      }
      expect(await documents(c, 'hit')).toBe(0);
    } finally {
      await c.stop();
    }
    // Through the API (the revision moves), and a reader with the right: nothing is stored for it.
    await sql`update packages set visibility = null where name = ${name}`;
    await put(`/packages/${name}/visibility`, { visibility: 'private' });
    expect((await read(b, name, FORMS[0]!, a.adminToken)).status).toBe(200);
    expect((await read(b, name, FORMS[0]!)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 200));
    const row = await stored(name, FORMS[0]!.kind);
    expect(row!.revision).toBeLessThan(row!.current);
  });

  it('never answers a document made for another public URL or by another rendering', async () => {
    const name = 'stored-other';
    const form = FORMS[1]!;
    const { first } = await publishedAndStored(name, form);
    await sql`update package_documents set made_for = 'another-build http://registry.test', gzip = ${gzipSync('{"forged":true}')}
      where package_id = (select id from packages where name = ${name}) and kind = ${form.kind}`;
    const misses = await documents(b, 'miss');
    expect(await read(b, name, form)).toEqual(first);
    expect(await documents(b, 'miss')).toBe(misses + 1);
    // Written again by this build, in place of the other one's.
    const t0 = Date.now();
    while ((await stored(name, form.kind))!.body !== first.text) {
      if (Date.now() - t0 > 5000) throw new Error('not stored again');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it("stores every public package's documents with `unjucks-registry documents`, which replicas then answer", async () => {
    const names = ['stored-cli-1', 'stored-cli-2', 'stored-cli-private'];
    for (const n of names) await publish(n);
    await put('/packages/stored-cli-private/visibility', { visibility: 'private' });
    const r = await unjucksRegistry(['documents'], { env: a.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/checked \d+ public packages; stored \d+ documents for http:\/\/registry.test/);
    for (const form of FORMS) {
      const row = await stored('stored-cli-2', form.kind);
      expect(row?.revision).toBe(row?.current);
    }
    expect(await stored('stored-cli-private', 'npm:corgi')).toBeUndefined();
    // What the CLI stored is what the server renders.
    const c = await startTestServer({ label: 'documents e', db: 'postgres', store: 'fs' }, { ...env, DATA_DIR: a.dataDir }, { replicaOf: a });
    try {
      for (const form of FORMS) {
        const name = form.kind === 'package' ? 'stored-cli-1' : 'stored-cli-2';
        const served = await read(c, name, form);
        expect(served.status).toBe(200);
        expect(served.text).toBe((await stored(name, form.kind))!.body);
      }
      expect(await documents(c, 'hit')).toBe(2);
      // And it is what a load renders (c loaded stored-cli-2 on its second read).
      expect((await read(c, 'stored-cli-2', FORMS[2]!)).text).toBe((await stored('stored-cli-2', 'package'))!.body);
      expect(await documents(c, 'hit')).toBe(2);
    } finally {
      await c.stop();
    }
    // A second run finds nothing left to store.
    const again = await unjucksRegistry(['documents'], { env: a.env });
    // (stored-newer's row is a revision ahead of its package, by the test above: checked, and left as it is.)
    expect(again.stdout).toMatch(/checked [01] public packages?; stored 0 documents/);
  });
});

// The embedded default keeps them too: a restart (nothing in memory) answers the stored document.
describe('stored documents on the embedded database', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ label: 'documents pglite', db: 'pglite', store: 'fs' }, { PUBLIC_URL: 'http://registry.test' });
  });
  afterAll(async () => {
    await s?.destroy();
  });

  it('answers the stored document after a restart, and none with STORED_DOCUMENTS=0', async () => {
    expect((await publishRaw(s.api, s.adminToken, packageTarball('stored-embedded', '1.0.0'))).status).toBe(201);
    const headers = { accept: 'application/vnd.npm.install-v1+json' };
    const first = await fetch(`${s.url}/stored-embedded`, { headers });
    const text = await first.text();
    expect(first.status).toBe(200);
    // Written within 50 ms of its rendering; a graceful stop writes what is pending too.
    await new Promise((r) => setTimeout(r, 200));
    await s.restart();
    const again = await fetch(`${s.url}/stored-embedded`, { headers });
    expect(await again.text()).toBe(text);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await metric(s, 'unjucks_cache_requests_total{cache="documents",result="hit"}')).toBe(1);
    s.env.STORED_DOCUMENTS = '0';
    await s.restart();
    expect(await (await fetch(`${s.url}/stored-embedded`, { headers })).text()).toBe(text);
    expect(await metric(s, 'unjucks_cache_requests_total{cache="documents",result="hit"}', { missing: -1 })).toBe(-1);
    expect(await metric(s, 'unjucks_cache_requests_total{cache="documents",result="miss"}', { missing: -1 })).toBe(-1);
  });
});
