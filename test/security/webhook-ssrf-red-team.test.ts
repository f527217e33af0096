import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_ACTIONS } from '@unjucks/core';
import { addressProblem } from '../../packages/server/src/hooks/ssrf.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';

/**
 * Red-team review of webhook SSRF (issue 17): IPv6 forms that carry an IPv4 address are refused
 * like the address they carry. IPv4-compatible addresses (::a.b.c.d) were filed as unicast.
 */
describe('webhook URLs with IPv4 inside IPv6', () => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await createHarness();
    h.registry.webhooks = { ...h.registry.webhooks, allowPrivate: false, pollMs: 10_000 };
    admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
    expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('ssrf-compat', '1.0.0') })).status).toBe(201);
  });
  afterAll(() => h?.close());

  it.each([
    ['loopback', 'http://[::127.0.0.1]:8080/hook'],
    ['cloud metadata', 'http://[::a9fe:a9fe]/latest/meta-data/'],
    ['a private address', 'http://[::10.0.0.1]/hook'],
  ])('refuses an IPv4-compatible IPv6 address naming %s', async (_what, url) => {
    const res = await h.request('POST', '/api/v1/hooks', { token: admin, json: { package: 'ssrf-compat', url } });
    const body = (await res.json()) as { error: string };
    expect(res.status, body.error).toBe(400);
    expect(body.error).toMatch(/IPv4-compatible/);
    const list = (await (await h.request('GET', '/api/v1/hooks', { token: admin })).json()) as { hooks: unknown[] };
    expect(list.hooks).toEqual([]);
  });

  it('still accepts public IPv6 addresses', () => {
    expect(addressProblem('2001:4860:4860::8888')).toBeNull();
    expect(addressProblem('2606:4700::1111')).toBeNull();
    expect(addressProblem('::7f00:1')).toMatch(/IPv4-compatible/);
  });
});
