import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_ACTIONS } from '@unjucks/core';
import { addressProblem, checkHookUrl, systemResolver, type Resolver } from '../../packages/server/src/hooks/ssrf.js';
import { sendHook } from '../../packages/server/src/hooks/send.js';
import { HookWorker } from '../../packages/server/src/hooks/worker.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * Webhook URLs are an SSRF vector: whoever may create a hook chooses where the registry sends
 * requests. Each case here is a way to make it reach an internal address. Names are resolved by
 * a resolver the test controls (no network), with real DNS behind it for `localhost`.
 */
const PUBLIC = '93.184.215.14';
let names: Record<string, string[]> = {};
const resolver: Resolver = async (host) => {
  const fixed = names[host];
  if (!fixed) return systemResolver(host);
  return fixed.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await createHarness();
  h.registry.webhooks = { ...h.registry.webhooks, allowPrivate: false, resolve: resolver, timeoutMs: 1000, pollMs: 10_000 };
  admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
  expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('ssrf-pkg', '1.0.0') })).status).toBe(201);
});
afterAll(() => h?.close());
afterEach(() => {
  names = {};
  h.registry.webhooks.allowPrivate = false;
});

const createHook = (url: string) => h.request('POST', '/api/v1/hooks', { token: admin, json: { package: 'ssrf-pkg', url } });
const hooks = async () => ((await (await h.request('GET', '/api/v1/hooks', { token: admin })).json()) as { hooks: { id: number; url: string }[] }).hooks;

describe('creating a hook', () => {
  const REFUSED: [string, string, RegExp][] = [
    ['loopback', 'http://127.0.0.1:8080/hook', /loopback/],
    ['loopback, short form', 'http://127.1/hook', /loopback/],
    ['loopback as a decimal number', 'http://2130706433/hook', /loopback/],
    ['loopback in hex', 'http://0x7f000001/hook', /loopback/],
    ['the unspecified address', 'http://0.0.0.0:3000/', /unspecified/],
    ['localhost (real resolution)', 'http://localhost:9/hook', /localhost, which resolves to .*loopback/],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/', /linkLocal/],
    ['RFC 1918 10/8', 'http://10.1.2.3/hook', /private/],
    ['RFC 1918 172.16/12', 'https://172.16.5.5/hook', /private/],
    ['RFC 1918 192.168/16', 'http://192.168.0.10/hook', /private/],
    ['carrier-grade NAT (Alibaba metadata)', 'http://100.100.100.200/', /carrierGradeNat/],
    ['Azure wireserver (public range, cloud service)', 'http://168.63.129.16/machine', /cloud platform's service address/],
    ['IPv6 loopback', 'http://[::1]:8080/hook', /loopback/],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hook', /loopback/],
    ['IPv4-mapped IPv6 metadata, hex form', 'http://[::ffff:a9fe:a9fe]/', /linkLocal/],
    ['IPv6 unique-local (AWS IPv6 metadata)', 'http://[fd00:ec2::254]/', /uniqueLocal/],
    ['IPv6 link-local', 'http://[fe80::1]/', /linkLocal/],
    ['NAT64 to loopback', 'http://[64:ff9b::7f00:1]/', /rfc6052/],
    ['a name resolving to a private address', 'http://internal.example/hook', /internal\.example, which resolves to 10\.0\.0\.7 is a private/],
    ['a name resolving to metadata', 'http://meta.example/hook', /169\.254\.169\.254 is a linkLocal/],
    ['a name resolving to IPv6 loopback', 'http://v6.example/hook', /::1 is a loopback/],
    ['a name with one public and one private address', 'http://mixed.example/hook', /127\.0\.0\.1 is a loopback/],
    ['a name that does not resolve', 'http://nowhere.invalid/hook', /does not resolve/],
    ['a file URL', 'file:///etc/passwd', /http or https/],
    ['a gopher URL', 'gopher://public.example/', /http or https/],
    ['credentials in the URL', 'https://user:pw@public.example/hook', /user name or password/],
  ];
  it.each(REFUSED)('refuses %s', async (_what, url, why) => {
    names = {
      'internal.example': ['10.0.0.7'],
      'meta.example': ['169.254.169.254'],
      'v6.example': ['::1'],
      'mixed.example': [PUBLIC, '127.0.0.1'],
      'public.example': [PUBLIC],
    };
    const res = await createHook(url);
    const body = (await res.json()) as { error: string; code?: string };
    expect(res.status, body.error).toBe(400);
    expect(body.error).toMatch(why);
    expect(await hooks()).toEqual([]);
  });

  it('accepts a name that resolves to public addresses only (so the cases above fail for their address)', async () => {
    names = { 'public.example': [PUBLIC, '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] };
    const res = await createHook('https://public.example/hook');
    expect(res.status).toBe(201);
    const [hook] = await hooks();
    expect(hook!.url).toBe('https://public.example/hook');
    expect((await h.request('DELETE', `/api/v1/hooks/${hook!.id}`, { token: admin })).status).toBe(200);
  });

  it('judges addresses by their range, IPv4-mapped ones as the IPv4 address they carry', () => {
    expect(addressProblem('8.8.8.8')).toBeNull();
    expect(addressProblem('2001:4860:4860::8888')).toBeNull();
    expect(addressProblem('::ffff:8.8.8.8')).toBeNull();
    expect(addressProblem('::ffff:10.0.0.1')).toMatch(/private/);
    expect(addressProblem('::')).toMatch(/unspecified/);
    expect(addressProblem('2002:7f00:1::')).toMatch(/6to4/);
    expect(addressProblem('224.0.0.1')).toMatch(/multicast/);
  });
});

describe('delivering', () => {
  let receiver: Receiver;
  let elsewhere: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    elsewhere = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await elsewhere?.close();
  });
  afterEach(async () => {
    for (const hook of await hooks()) await h.request('DELETE', `/api/v1/hooks/${hook.id}`, { token: admin });
    receiver.received.length = 0;
    elsewhere.received.length = 0;
    receiver.answer(() => 200);
  });

  const worker = () =>
    new HookWorker(h.db, h.registry.keys, h.registry.webhooks, (e) => {
      throw e;
    });
  const lastAttempt = async (id: number) => {
    const { deliveries } = (await (await h.request('GET', `/api/v1/hooks/${id}/deliveries`, { token: admin })).json()) as {
      deliveries: { attempts: { ok: boolean; error: string | null; responseCode: number | null }[] }[];
    };
    return deliveries[0]!.attempts.at(-1)!;
  };
  let version = 1;
  const publish = async () =>
    expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('ssrf-pkg', `1.0.${version++}`) })).status).toBe(201);

  it('checks the name again before each delivery: one that now resolves to loopback (DNS rebinding) is not contacted', async () => {
    names = { 'rebind.example': [PUBLIC] };
    const res = await createHook(`http://rebind.example:${receiver.port}/hook`);
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    names = { 'rebind.example': ['127.0.0.1'] };
    await publish();
    expect(await worker().tick()).toBe(1);
    expect(receiver.received).toHaveLength(0);
    expect(await lastAttempt(id)).toMatchObject({
      ok: false,
      responseCode: null,
      error: expect.stringMatching(/rebind\.example, which resolves to 127\.0\.0\.1 is a loopback/),
    });
  });

  it('does not follow a redirect, to a private address or anywhere', async () => {
    h.registry.webhooks.allowPrivate = true; // to reach the test's own receiver on loopback
    for (const location of ['http://169.254.169.254/latest/meta-data/', `${elsewhere.url}/internal`]) {
      receiver.answer((_n, _req, res) => void res.writeHead(302, { location }).end());
      const res = await createHook(`${receiver.url}/hook`);
      const { id } = (await res.json()) as { id: number };
      await publish();
      await worker().tick();
      expect(await lastAttempt(id)).toMatchObject({
        ok: false,
        responseCode: 302,
        error: expect.stringContaining(`a redirect to ${location}), which is not followed`),
      });
      await h.request('DELETE', `/api/v1/hooks/${id}`, { token: admin });
    }
    expect(receiver.received).toHaveLength(2);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('gives up on a receiver that does not answer in time, and reads no more than the size cap', async () => {
    h.registry.webhooks.allowPrivate = true;
    receiver.answer(() => undefined); // never answers
    const slow = await sendHook(`${receiver.url}/slow`, '{}', {}, { allowPrivate: true, timeoutMs: 300, maxResponseBytes: 1024 });
    expect(slow).toMatchObject({ ok: false, responseCode: null, error: 'no complete answer within 300 ms' });
    expect(slow.durationMs).toBeLessThan(2000);
    receiver.answer((_n, _req, res) => void res.writeHead(200).end(Buffer.alloc(5_000_000, 'x')));
    const big = await sendHook(`${receiver.url}/big`, '{}', {}, { allowPrivate: true, timeoutMs: 5000, maxResponseBytes: 64 * 1024 });
    expect(big).toMatchObject({ ok: true, responseCode: 200, error: 'answer cut at 65536 bytes' });
    expect(big.responseStart!.length).toBeLessThanOrEqual(512);
  });

  it('connects to the address it checked, not to a second answer for the name', async () => {
    // The first lookup says loopback (allowed here), any later one would say a closed port: the request must still arrive.
    h.registry.webhooks.allowPrivate = true;
    let lookups = 0;
    const flipping: Resolver = async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '127.0.0.2', family: 4 }]);
    const r = await sendHook(
      `http://flip.example:${receiver.port}/pinned`,
      '{"a":1}',
      {},
      { allowPrivate: true, resolve: flipping, timeoutMs: 2000, maxResponseBytes: 1024 },
    );
    expect(r).toMatchObject({ ok: true, responseCode: 200 });
    expect(lookups).toBe(1);
    expect(receiver.received.at(-1)).toMatchObject({ path: '/pinned', body: '{"a":1}' });
    expect(receiver.received.at(-1)!.headers.host).toBe(`flip.example:${receiver.port}`);
  });
});

describe('checkHookUrl', () => {
  it('lets WEBHOOK_ALLOW_PRIVATE=true through for closed networks, and nothing else changes', async () => {
    await expect(checkHookUrl('http://127.0.0.1:1/', { allowPrivate: true })).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(checkHookUrl('ftp://127.0.0.1/', { allowPrivate: true })).rejects.toThrow(/http or https/);
  });
});
