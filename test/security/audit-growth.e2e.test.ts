import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Finding 5 of the security review: anyone could grow the append-only audit log without bound,
 * one row per anonymous request, each storing a 4,000-character path as its target.
 */
describe('the audit log under anonymous garbage', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!);
  });
  afterAll(() => server?.destroy());

  const allRecords = async () => {
    const res = await call(server, server.adminToken, 'GET', '/audit?limit=1000');
    expect(res.status).toBe(200);
    return res.body.records as { target: string | null; detail: unknown; actor: string | null }[];
  };

  it('stores no row for anonymous requests refused before they do anything, and counts them', async () => {
    const before = (await allRecords()).length;
    const long = 'x'.repeat(3900);
    const requests: Promise<Response>[] = [];
    for (let i = 0; i < 60; i++) {
      requests.push(fetch(`${server.url}/${long}${i}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }));
      requests.push(fetch(`${server.url}/${long}${i}/-rev/1-a`, { method: 'DELETE' }));
      requests.push(
        fetch(`${server.api}/packages/${long}${i}/1.0.0/deprecate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"message":"x"}',
        }),
      );
    }
    const statuses = await Promise.all(requests.map((p) => p.then((r) => r.status)));
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    expect((await allRecords()).length).toBe(before);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const skipped = [...metrics.matchAll(/^unjucks_audit_skipped_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(skipped).toBeGreaterThanOrEqual(180);
  });

  it('cuts long targets and details of the records it does keep', async () => {
    const long = 'y'.repeat(3900);
    const res = await fetch(`${server.url}/${long}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const login = await call(server, null, 'POST', '/auth/login', { username: 'z'.repeat(3900), password: 'wrong password' });
    expect(login.status).toBe(401);
    const records = await allRecords();
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r.target?.length ?? 0).toBeLessThanOrEqual(256);
      expect(JSON.stringify(r.detail ?? null).length).toBeLessThanOrEqual(2200);
    }
    expect(records.some((r) => r.target?.startsWith('yyyy') && r.target.endsWith('…'))).toBe(true);
  });
});
