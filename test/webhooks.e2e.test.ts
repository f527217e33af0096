import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucks } from './helpers/cli.js';
import { gzipTar, manifestFor, packageTarball, publishRaw } from './helpers/packages.js';
import { startReceiver, verifySignature, type Receiver } from './helpers/receiver.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { call } from './security/helpers.js';

/** Fast retries, so the failure paths run in moments; loopback receivers allowed (the test's own). */
const HOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_RETRY_MAX_MS: '300',
  WEBHOOK_MAX_ATTEMPTS: '4',
  WEBHOOK_DISABLE_AFTER: '6',
  WEBHOOK_TIMEOUT_MS: '3000',
};

const events = (r: Receiver) => r.received.map((x) => x.json);

/** Waits until the receiver holds n requests, then a little longer to catch any extra one. */
async function settle(r: Receiver, n: number, quietMs = 400) {
  await expect.poll(() => r.received.length, { timeout: 10_000, interval: 25 }).toBeGreaterThanOrEqual(n);
  await new Promise((resolve) => setTimeout(resolve, quietMs));
}

describe('webhooks against a receiver the test runs', () => {
  let server: TestServer;
  let receiver: Receiver;
  let homes: string;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, HOOK_ENV);
    receiver = await startReceiver();
    homes = await mkdtemp(join(tmpdir(), 'unjucks-hooks-'));
    expect((await call(server, server.adminToken, 'POST', '/orgs', { name: 'hk' })).status).toBe(201);
  });
  afterAll(async () => {
    await server?.destroy();
    await receiver?.close();
    await rm(homes, { recursive: true, force: true });
  });

  const admin = (method: string, path: string, body?: unknown) => call(server, server.adminToken, method, path, body);
  // Each test starts with no hooks, so one test's deliveries never reach the next one's receiver.
  afterEach(async () => {
    for (const h of (await admin('GET', '/hooks')).body.hooks) await admin('DELETE', `/hooks/${h.id}`);
    receiver.answer(() => 200);
  });
  const createHook = async (body: Record<string, unknown>) => {
    const res = await admin('POST', '/hooks', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: number; secret: string };
  };
  const deliveries = async (id: number) => (await admin('GET', `/hooks/${id}/deliveries`)).body.deliveries as any[];

  it('signs every delivery over its timestamp and body with the secret shown once, and announces each kind of change', async () => {
    receiver.received.length = 0;
    const hook = await createHook({ org: 'hk', url: `${receiver.url}/org` });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await admin('GET', '/hooks?org=hk');
    expect(listed.body.hooks.map((h: { id: number }) => h.id)).toContain(hook.id);
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);

    expect((await publishRaw(server.api, server.adminToken, packageTarball('@hk/kit', '1.0.0'))).status).toBe(201);
    await settle(receiver, 1);
    const [first] = receiver.received;
    expect(receiver.received).toHaveLength(1);
    expect(first!.headers['unjucks-event']).toBe('version.published');
    expect(first!.json).toMatchObject({
      type: 'version.published',
      actor: 'admin',
      package: { name: '@hk/kit', version: '1.0.0' },
      org: 'hk',
      hook: { id: hook.id },
    });
    expect(first!.headers['unjucks-event-id']).toBe(first!.json.id);
    expect(verifySignature(hook.secret, first!.headers['unjucks-signature'] as string, first!.body)).toBe(true);
    // The signature binds the body and the secret: either changed, it no longer verifies.
    expect(verifySignature(hook.secret, first!.headers['unjucks-signature'] as string, first!.body.replace('1.0.0', '9.9.9'))).toBe(false);
    expect(verifySignature(`${hook.secret}x`, first!.headers['unjucks-signature'] as string, first!.body)).toBe(false);

    expect((await admin('POST', '/packages/@hk%2Fkit/1.0.0/deprecate', { message: 'use 2' })).status).toBe(200);
    expect((await admin('PUT', '/packages/@hk%2Fkit/dist-tags/beta', { version: '1.0.0' })).status).toBe(200);
    expect((await admin('PUT', '/packages/@hk%2Fkit/visibility', { visibility: 'private' })).status).toBe(200);
    const token = await admin('POST', '/tokens', { name: 'ci', actions: ['read'], packages: ['@hk/*'] });
    expect(token.status).toBe(201);
    expect((await admin('DELETE', `/tokens/${token.body.id}`)).status).toBe(200);
    // A token that is no org's business is announced to no org.
    expect((await admin('POST', '/tokens', { name: 'mine', actions: ['read'] })).status).toBe(201);
    await settle(receiver, 6);
    expect(events(receiver).map((e) => e.type)).toEqual([
      'version.published',
      'version.deprecated',
      'dist-tag.changed',
      'package.visibility-changed',
      'token.created',
      'token.revoked',
    ]);
    expect(events(receiver)[4]).toMatchObject({ org: 'hk', package: null, data: { id: token.body.id, user: 'admin', packages: ['@hk/*'] } });
    expect(new Set(events(receiver).map((e) => e.id)).size).toBe(6);
    expect((await admin('PUT', '/packages/@hk%2Fkit/visibility', { visibility: 'public' })).status).toBe(200);
    expect((await admin('DELETE', `/hooks/${hook.id}`)).status).toBe(200);
  });

  it("posts Slack's message shape to a format: slack hook", async () => {
    receiver.received.length = 0;
    const hook = await createHook({ package: '@hk/kit', url: `${receiver.url}/slack`, format: 'slack', events: ['version.published'] });
    expect((await admin('PUT', '/packages/@hk%2Fkit/dist-tags/next', { version: '1.0.0' })).status).toBe(200); // not asked for
    expect((await publishRaw(server.api, server.adminToken, packageTarball('@hk/kit', '1.1.0'))).status).toBe(201);
    await settle(receiver, 1);
    expect(receiver.received.map((r) => r.json)).toEqual([{ text: 'admin published @hk/kit@1.1.0' }]);
    expect(verifySignature(hook.secret, receiver.received[0]!.headers['unjucks-signature'] as string, receiver.received[0]!.body)).toBe(true);
    expect((await admin('DELETE', `/hooks/${hook.id}`)).status).toBe(200);
  });

  it('retries after a failing receiver with the same event id, records every attempt, and redelivers on request', async () => {
    receiver.received.length = 0;
    receiver.answer((n) => (n <= 2 ? 500 : 200));
    expect((await publishRaw(server.api, server.adminToken, packageTarball('@hk/retry', '1.0.0'))).status).toBe(201);
    const watched = await createHook({ package: '@hk/retry', url: `${receiver.url}/retry`, events: 'version.published' });
    expect((await publishRaw(server.api, server.adminToken, packageTarball('@hk/retry', '1.1.0'))).status).toBe(201);
    await settle(receiver, 3);
    expect(receiver.received).toHaveLength(3);
    expect(new Set(events(receiver).map((e) => e.id)).size).toBe(1);
    const [d] = await deliveries(watched.id);
    expect(d.status).toBe('delivered');
    expect(d.attempts.map((a: { ok: boolean; responseCode: number }) => [a.ok, a.responseCode])).toEqual([
      [false, 500],
      [false, 500],
      [true, 200],
    ]);
    expect(d.attempts[0].responseStart).toBe('boom 500');
    expect(d.attempts.every((a: { durationMs: number }) => a.durationMs >= 0)).toBe(true);

    const again = await admin('POST', `/hooks/${watched.id}/deliveries/${d.id}/redeliver`);
    expect(again.status).toBe(200);
    await settle(receiver, 4);
    expect(receiver.received).toHaveLength(4);
    expect(receiver.received[3]!.json.id).toBe(d.event.id);
    expect((await deliveries(watched.id))[0].attempts).toHaveLength(4);
    expect((await admin('POST', `/hooks/${watched.id}/deliveries/999999/redeliver`)).status).toBe(404);
  });

  it('disables a hook after consecutive failures, tells its owner in the audit log, and a good ping brings it back', async () => {
    receiver.received.length = 0;
    receiver.answer(() => 503);
    expect((await publishRaw(server.api, server.adminToken, packageTarball('@hk/dead', '1.0.0'))).status).toBe(201);
    const hook = await createHook({ package: '@hk/dead', url: `${receiver.url}/dead` });
    for (const v of ['1.1.0', '1.2.0', '1.3.0']) expect((await publishRaw(server.api, server.adminToken, packageTarball('@hk/dead', v))).status).toBe(201);
    await expect.poll(async () => (await admin('GET', '/hooks?package=@hk/dead')).body.hooks[0].enabled, { timeout: 10_000 }).toBe(false);
    // WEBHOOK_DISABLE_AFTER=6: the sixth failure disabled it (attempts already in flight beside it
    // still land), and nothing is sent after.
    const sent = receiver.received.length;
    expect(sent).toBeGreaterThanOrEqual(6);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(receiver.received).toHaveLength(sent);
    const [listed] = (await admin('GET', '/hooks?package=@hk/dead')).body.hooks;
    expect(listed).toMatchObject({ enabled: false, consecutiveFailures: sent });
    expect(listed.disabledReason).toMatch(/\d+ consecutive failed deliveries; the last: answered 503/);
    const audit = await admin('GET', `/audit?action=hook.disabled&target=hook:${hook.id}`);
    expect(audit.body.records).toHaveLength(1);
    expect(audit.body.records[0]).toMatchObject({ actor: 'admin', org: 'hk', outcome: 'failed', status: 503 });
    const pending = (await deliveries(hook.id)).filter((d) => d.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    expect((await admin('POST', `/hooks/${hook.id}/deliveries/${pending[0].id}/redeliver`)).status).toBe(409);

    receiver.answer(() => 204);
    const ping = await admin('POST', `/hooks/${hook.id}/ping`);
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ status: 'delivered', event: { type: 'ping' } });
    expect((await admin('GET', '/hooks?package=@hk/dead')).body.hooks[0]).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    // Back on, its queued deliveries go out.
    await expect.poll(async () => (await deliveries(hook.id)).filter((d) => d.status === 'pending').length, { timeout: 10_000 }).toBe(0);
    receiver.answer(() => 200);
  });

  it('announces nothing for a publish that is refused or loses a race and rolls back', async () => {
    receiver.received.length = 0;
    receiver.answer(() => 200);
    await createHook({ pattern: '@hk/race*', url: `${receiver.url}/race`, events: ['version.published'] });
    const bad = gzipTar([{ path: 'package/package.json', content: JSON.stringify({ ...manifestFor('@hk/race-bad', '1.0.0'), name: 'Not A Name' }) }]);
    expect((await publishRaw(server.api, server.adminToken, bad)).status).toBeGreaterThanOrEqual(400);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => publishRaw(server.api, server.adminToken, packageTarball('@hk/race', '1.0.0', { salt: `s${i}` }))),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
    await settle(receiver, 1, 800);
    expect(events(receiver).map((e) => `${e.type} ${e.package.name}@${e.package.version}`)).toEqual(['version.published @hk/race@1.0.0']);
  });

  it('refuses hooks to those without the owners right on what they watch, and token events off org hooks', async () => {
    expect((await admin('POST', '/users', { name: 'hk-maint', password: 'a long password 123' })).status).toBe(201);
    expect((await admin('PUT', '/orgs/hk/members/hk-maint', { role: 'maintainer' })).status).toBe(200);
    const login = await call(server, null, 'POST', '/auth/login', { username: 'hk-maint', password: 'a long password 123' });
    const maint = login.body.token as string;
    const url = `${receiver.url}/x`;
    for (const body of [
      { org: 'hk', url },
      { package: '@hk/kit', url },
      { pattern: '@hk/*', url },
      { pattern: '*', url },
    ]) {
      const res = await call(server, maint, 'POST', '/hooks', body);
      expect(res.status, JSON.stringify(body)).toBe(403);
    }
    const ownHook = (await createHook({ org: 'hk', url })).id;
    expect((await call(server, maint, 'DELETE', `/hooks/${ownHook}`)).status).toBe(404);
    expect((await call(server, maint, 'GET', '/hooks')).body.hooks).toEqual([]);
    const tokenEvents = await admin('POST', '/hooks', { package: '@hk/kit', url, events: ['token.created'] });
    expect(tokenEvents.status).toBe(400);
    expect(tokenEvents.body.error).toMatch(/org subscriptions only/);
    expect((await admin('POST', '/hooks', { org: 'hk', url, events: ['version.exploded'] })).status).toBe(400);
  });

  it('drives hooks from the real CLI: add (secret shown once), ls, test, rm', async () => {
    receiver.received.length = 0;
    receiver.answer(() => 200);
    const env = { HOME: join(homes, 'admin'), UNJUCKS_REGISTRY: server.url, UNJUCKS_TOKEN: server.adminToken };
    const add = await unjucks(['hook', 'add', '@hk', `${receiver.url}/cli`, '--events', 'version.published,version.unpublished', '--json'], { env });
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const created = JSON.parse(add.stdout);
    expect(created).toMatchObject({ target: { kind: 'org', name: 'hk' }, events: ['version.published', 'version.unpublished'] });
    expect(created.secret).toMatch(/^whsec_/);
    const ls = await unjucks(['hook', 'ls'], { env });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain(`${created.id}  @hk  ${receiver.url}/cli`);
    expect(ls.stdout).not.toContain(created.secret);
    const test = await unjucks(['hook', 'test', String(created.id)], { env });
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/ping .*: delivered, 1 attempt\(s\), last ok 200/);
    expect(receiver.received.at(-1)!.json).toMatchObject({ type: 'ping', hook: { id: created.id } });
    expect(verifySignature(created.secret, receiver.received.at(-1)!.headers['unjucks-signature'] as string, receiver.received.at(-1)!.body)).toBe(true);
    receiver.answer(() => 500);
    const failing = await unjucks(['hook', 'test', String(created.id)], { env });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/failed, 1 attempt\(s\), last failed 500/);
    receiver.answer(() => 200);
    const rm = await unjucks(['hook', 'rm', String(created.id)], { env });
    expect(rm.code).toBe(0);
    expect((await unjucks(['hook', 'rm', String(created.id)], { env })).code).not.toBe(0);
  });
});

// Replicas share Postgres and S3; the embedded database admits one process, so this needs Postgres.
describe.runIf(!!process.env.TEST_DATABASE_URL)('webhooks with two replicas', () => {
  let a: TestServer;
  let b: TestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    a = await startTestServer({ label: 'replica a', db: 'postgres', store: 's3' }, HOOK_ENV);
    b = await startTestServer({ label: 'replica b', db: 'postgres', store: 's3' }, HOOK_ENV, { replicaOf: a });
    // Slow answers widen the window in which both workers could take the same delivery.
    receiver = await startReceiver((_n, _req, res) => void setTimeout(() => res.writeHead(200).end('ok'), 30));
  });
  afterAll(async () => {
    await b?.destroy();
    await a?.destroy();
    await receiver?.close();
  });

  it('delivers each event exactly once although both replicas run a worker', async () => {
    expect((await call(a, a.adminToken, 'POST', '/orgs', { name: 'rp' })).status).toBe(201);
    expect((await call(b, a.adminToken, 'POST', '/hooks', { org: 'rp', url: `${receiver.url}/both` })).status).toBe(201);
    const publishes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => publishRaw((i % 2 ? a : b).api, a.adminToken, packageTarball(`@rp/p${i}`, '1.0.0'))),
    );
    expect(publishes.map((p) => p.status)).toEqual(Array(20).fill(201));
    await settle(receiver, 20, 1500);
    const ids = events(receiver).map((e) => e.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(new Set(events(receiver).map((e) => e.package.name)).size).toBe(20);
  });
});
