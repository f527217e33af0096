import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Finding 3 of the security review: behind a proxy the client address was the leftmost
 * X-Forwarded-For hop, which is whatever the client sent. The server here plays the registry behind
 * one proxy (TRUST_PROXY=1); each request carries the header as an appending proxy would pass it
 * on: the client's forged hops first, then the real client's address.
 */
describe('a forged X-Forwarded-For first hop', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, { TRUST_PROXY: '1', RATE_LIMIT_IP_PER_MINUTE: '10' });
  });
  afterAll(() => server?.destroy());

  it('does not pass a token limited to 10.0.0.0/8', async () => {
    const minted = await call(server, server.adminToken, 'POST', '/tokens', { actions: ['read'], cidr: ['10.0.0.0/8'] });
    expect(minted.status).toBe(201);
    const inside = await call(server, minted.body.token, 'GET', '/whoami', undefined, { 'x-forwarded-for': '10.20.30.40' });
    expect(inside.status).toBe(200);
    const forged = await call(server, minted.body.token, 'GET', '/whoami', undefined, { 'x-forwarded-for': '10.0.0.1, 203.0.113.9' });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toMatch(/may only be used from 10\.0\.0\.0\/8, and this request came from 203\.0\.113\.9/);
  });

  it('does not bypass the per-address rate limit by rotating the first hop', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await fetch(`${server.url}/-/ping`, { headers: { 'x-forwarded-for': `10.9.${i}.1, 198.51.100.77` } })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
    // Another client behind the same proxy is not punished for it.
    expect((await fetch(`${server.url}/-/ping`, { headers: { 'x-forwarded-for': '198.51.100.78' } })).status).toBe(200);
  });

  it('does not land in the audit log', async () => {
    const res = await call(
      server,
      server.adminToken,
      'POST',
      '/users',
      { name: 'forged-hop', password: 'correct horse battery' },
      { 'x-forwarded-for': '6.6.6.6, 192.0.2.44' },
    );
    expect(res.status).toBe(201);
    const audit = await call(server, server.adminToken, 'GET', '/audit?action=user.create', undefined, { 'x-forwarded-for': '192.0.2.45' });
    expect(audit.status).toBe(200);
    const rec = audit.body.records.find((r: { target: string }) => r.target === 'forged-hop');
    expect(rec).toMatchObject({ ip: '192.0.2.44' });
    expect(JSON.stringify(audit.body)).not.toContain('6.6.6.6');
  });
});
