import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_ACTIONS } from '@unjucks/core';
import { hookEvents } from '../packages/server/src/db/schema.js';
import { emitEvent } from '../packages/server/src/hooks/emit.js';
import { EVENT_RETENTION_MS, HookWorker, hookWork, pruneEvents } from '../packages/server/src/hooks/worker.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { packageTarball } from './helpers/packages.js';
import { startReceiver } from './helpers/receiver.js';

/** The outbox is transactional: an event exists exactly when the change it announces committed. */
describe('the webhook outbox', () => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
  });
  afterAll(() => h?.close());

  const eventsFor = async (pkg: string) =>
    (await h.db.select().from(hookEvents)).filter((e) => e.package === pkg).map((e) => `${e.type} ${e.version ?? ''}`.trim());

  it('keeps an event written in a transaction that commits, and loses one whose transaction rolls back', async () => {
    await h.db.transaction(async (tx) => {
      await emitEvent(tx, { type: 'version.deprecated', actor: 'root', package: 'outbox-a', version: '1.0.0', data: { message: 'x' } });
    });
    await expect(
      h.db.transaction(async (tx) => {
        await emitEvent(tx, { type: 'version.deprecated', actor: 'root', package: 'outbox-b', version: '1.0.0', data: {} });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await eventsFor('outbox-a')).toEqual(['version.deprecated 1.0.0']);
    expect(await eventsFor('outbox-b')).toEqual([]);
    const [row] = (await h.db.select().from(hookEvents)).filter((e) => e.package === 'outbox-a');
    expect(row).toMatchObject({ org: null, actor: 'root', fannedOutAt: null });
  });

  it('announces no publish whose transaction fails at commit, after the event was written', async () => {
    // A deferred constraint trigger fails the publish of 6.6.6 at COMMIT: after every statement of
    // the transaction (the outbox insert included) ran, so only a real rollback can lose the event.
    await h.db.execute(`create function refuse_666() returns trigger language plpgsql as $$
      begin if new.version = '6.6.6' then raise exception 'refused at commit'; end if; return new; end $$`);
    await h.db.execute(
      'create constraint trigger versions_refuse_666 after insert on versions deferrable initially deferred for each row execute function refuse_666()',
    );
    try {
      expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('outbox-pub', '1.0.0') })).status).toBe(201);
      const failed = await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('outbox-pub', '6.6.6') });
      expect(failed.status).toBe(500);
      expect((await h.request('GET', '/api/v1/packages/outbox-pub/6.6.6')).status).toBe(404);
      expect(await eventsFor('outbox-pub')).toEqual(['version.published 1.0.0']);
    } finally {
      await h.db.execute('drop trigger versions_refuse_666 on versions');
      await h.db.execute('drop function refuse_666()');
    }
  });

  it('writes one event per change on the paths that exist today, with the org of a scoped package', async () => {
    expect((await h.request('POST', '/api/v1/orgs', { token: admin, json: { name: 'obx' } })).status).toBe(201);
    expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('@obx/kit', '1.0.0') })).status).toBe(201);
    expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('@obx/kit', '1.1.0') })).status).toBe(201);
    expect((await h.request('POST', '/api/v1/packages/@obx%2Fkit/1.0.0/deprecate', { token: admin, json: { message: 'old' } })).status).toBe(200);
    expect((await h.request('POST', '/api/v1/packages/@obx%2Fkit/1.0.0/deprecate', { token: admin, json: { message: '' } })).status).toBe(200);
    expect((await h.request('PUT', '/api/v1/packages/@obx%2Fkit/dist-tags/beta', { token: admin, json: '1.0.0' })).status).toBe(200);
    expect((await h.request('DELETE', '/api/v1/packages/@obx%2Fkit/dist-tags/beta', { token: admin })).status).toBe(200);
    expect((await h.request('PUT', '/api/v1/packages/@obx%2Fkit/visibility', { token: admin, json: { visibility: 'private' } })).status).toBe(200);
    const unpublished = await h.request('DELETE', '/api/v1/packages/@obx%2Fkit/1.1.0', { token: admin });
    expect(unpublished.status).toBe(200);
    // A refused change announces nothing.
    expect((await h.request('PUT', '/api/v1/packages/@obx%2Fkit/dist-tags/beta', { token: admin, json: '9.9.9' })).status).toBe(404);
    expect(await eventsFor('@obx/kit')).toEqual([
      'version.published 1.0.0',
      'version.published 1.1.0',
      'version.deprecated 1.0.0',
      'version.undeprecated 1.0.0',
      'dist-tag.changed 1.0.0',
      'dist-tag.changed 1.0.0',
      'package.visibility-changed',
      'version.unpublished 1.1.0',
    ]);
    const all = (await h.db.select().from(hookEvents)).filter((e) => e.package === '@obx/kit');
    expect(all.every((e) => e.org === 'obx' && e.actor === 'root')).toBe(true);
  });

  it('announces a reviewed release as staged, then approved and published when it goes live, or rejected; never as published while staged', async () => {
    const pam = await h.token(
      'pam',
      TOKEN_ACTIONS.filter((a) => a !== 'admin'),
    );
    const max = await h.token(
      'max',
      TOKEN_ACTIONS.filter((a) => a !== 'admin'),
    );
    expect((await h.request('POST', '/api/v1/orgs', { token: admin, json: { name: 'rvw' } })).status).toBe(201);
    for (const u of ['pam', 'max'])
      expect((await h.request('PUT', `/api/v1/orgs/rvw/members/${u}`, { token: admin, json: { role: 'maintainer' } })).status).toBe(200);
    expect((await h.request('PUT', '/api/v1/orgs/rvw/review-policy', { token: admin, json: { requiredApprovals: 1 } })).status).toBe(200);
    for (const v of ['1.0.0', '1.1.0'])
      expect((await h.request('POST', '/api/v1/packages', { token: pam, body: packageTarball('@rvw/kit', v) })).status).toBe(201);
    expect(await eventsFor('@rvw/kit')).toEqual(['version.staged 1.0.0', 'version.staged 1.1.0']);
    expect((await h.request('POST', '/api/v1/packages/@rvw%2Fkit/1.0.0/approve', { token: max })).status).toBe(200);
    expect((await h.request('POST', '/api/v1/packages/@rvw%2Fkit/1.1.0/reject', { token: max, json: { reason: 'adds a shell step' } })).status).toBe(200);
    expect(await eventsFor('@rvw/kit')).toEqual([
      'version.staged 1.0.0',
      'version.staged 1.1.0',
      'version.approved 1.0.0',
      'version.published 1.0.0',
      'version.rejected 1.1.0',
    ]);
    const rejected = (await h.db.select().from(hookEvents)).find((e) => e.package === '@rvw/kit' && e.type === 'version.rejected');
    expect(rejected).toMatchObject({ actor: 'max', org: 'rvw', data: { reason: 'adds a shell step' } });
  });

  it('keeps events and their delivery history for the retention period, then drops them', async () => {
    const old = await emitEvent(h.db, { type: 'version.published', actor: 'root', package: 'outbox-old', version: '1.0.0' });
    const recent = await emitEvent(h.db, { type: 'version.published', actor: 'root', package: 'outbox-old', version: '1.1.0' });
    await h.db.execute(`update hook_events set at = now() - interval '${EVENT_RETENTION_MS / 86_400_000 + 1} days' where id = '${old}'`);
    expect(await pruneEvents(h.db)).toBeGreaterThanOrEqual(1);
    const left = (await h.db.select().from(hookEvents)).filter((e) => e.package === 'outbox-old').map((e) => e.id);
    expect(left).toEqual([recent]);
  });

  it('the delivery loop asks once whether there is work, and opens no transaction when there is none', async () => {
    const receiver = await startReceiver();
    try {
      h.registry.webhooks = { ...h.registry.webhooks, allowPrivate: true, pollMs: 10_000 };
      // The worker's database, counting the transactions it opens (fanOut's and claimDue's).
      let transactions = 0;
      const db = new Proxy(h.db, {
        get(target, key) {
          const value = Reflect.get(target, key, target);
          if (typeof value !== 'function') return value;
          return key === 'transaction'
            ? (...args: unknown[]) => {
                transactions++;
                return value.apply(target, args);
              }
            : value.bind(target);
        },
      });
      const worker = new HookWorker(db, h.registry.keys, h.registry.webhooks, (e) => {
        throw e;
      });
      await worker.tick(); // what earlier tests left in the outbox
      expect(await hookWork(h.db)).toEqual({ events: false, due: false });
      transactions = 0;
      expect(await worker.tick()).toBe(0);
      expect(transactions).toBe(0);

      // An event with no hook to hear it: fanned out (to nobody) by the next round, then nothing is left.
      await h.db.transaction((tx) => emitEvent(tx, { type: 'version.deprecated', actor: 'root', package: 'probe-a', version: '1.0.0' }));
      expect(await hookWork(h.db)).toEqual({ events: true, due: false });
      expect(await worker.tick()).toBe(0);
      expect(transactions).toBeGreaterThan(0);
      expect(await hookWork(h.db)).toEqual({ events: false, due: false });
      transactions = 0;
      expect(await worker.tick()).toBe(0);
      expect(transactions).toBe(0);
      expect((await h.db.select().from(hookEvents)).filter((e) => e.package === 'probe-a' && e.fannedOutAt === null)).toEqual([]);

      // With a hook: the publish's event is fanned out and delivered in the same round.
      const hook = await h.request('POST', '/api/v1/hooks', {
        token: admin,
        json: { package: 'probe-b', url: `${receiver.url}/h`, events: ['version.published'] },
      });
      expect(hook.status).toBe(201);
      expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('probe-b', '1.0.0') })).status).toBe(201);
      expect(await hookWork(h.db)).toEqual({ events: true, due: false });
      expect(await worker.tick()).toBe(1);
      expect(receiver.received.map((r) => [r.json.type, r.json.package])).toEqual([['version.published', { name: 'probe-b', version: '1.0.0' }]]);
      expect(await hookWork(h.db)).toEqual({ events: false, due: false });
    } finally {
      await receiver.close();
    }
  });
});
