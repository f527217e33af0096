import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_ACTIONS } from '@unjucks/core';
import { HookWorker } from '../../packages/server/src/hooks/worker.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * Red-team note on webhooks (issue 17): the right to watch was checked when an event was fanned
 * out, so a delivery already queued or retrying kept carrying a private package's event to the
 * URL of someone who had since lost the owner role. Each attempt checks it again.
 */
describe('a queued delivery after its hook creator loses the right to watch', () => {
  let h: Harness;
  let receiver: Receiver;
  let admin: string;
  let olga: string;
  beforeAll(async () => {
    // The first delivery fails, so the event waits for a retry.
    receiver = await startReceiver((n) => (n === 1 ? 503 : 200));
    h = await createHarness();
    h.registry.webhooks = { ...h.registry.webhooks, allowPrivate: true, pollMs: 10_000, retryBaseMs: 1, retryMaxMs: 1 };
    admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
    olga = await h.token(
      'olga',
      TOKEN_ACTIONS.filter((a) => a !== 'admin'),
    );
    await h.token(
      'pete',
      TOKEN_ACTIONS.filter((a) => a !== 'admin'),
    );
    expect((await h.request('POST', '/api/v1/orgs', { token: admin, json: { name: 'priv' } })).status).toBe(201);
    for (const u of ['olga', 'pete'])
      expect((await h.request('PUT', `/api/v1/orgs/priv/members/${u}`, { token: admin, json: { role: 'owner' } })).status).toBe(200);
    expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('@priv/secret', '1.0.0') })).status).toBe(201);
    expect((await h.request('PUT', '/api/v1/packages/@priv%2Fsecret/visibility', { token: admin, json: { visibility: 'private' } })).status).toBe(200);
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('is not sent once the creator is no longer an owner', async () => {
    const hook = await h.request('POST', '/api/v1/hooks', { token: olga, json: { org: 'priv', url: `${receiver.url}/h`, events: ['version.published'] } });
    expect(hook.status).toBe(201);
    expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('@priv/secret', '1.1.0') })).status).toBe(201);
    const worker = new HookWorker(h.db, h.registry.keys, h.registry.webhooks, (e) => {
      throw e;
    });
    await worker.tick();
    expect(receiver.received).toHaveLength(1); // the failed first attempt
    // Olga is demoted while her delivery waits for its retry.
    expect((await h.request('PUT', '/api/v1/orgs/priv/members/olga', { token: admin, json: { role: 'reader' } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    await worker.tick();
    expect(receiver.received).toHaveLength(1);
    const { id } = (await hook.json()) as { id: number };
    const deliveries = (await (await h.request('GET', `/api/v1/hooks/${id}/deliveries`, { token: admin })).json()) as {
      deliveries: { status: string; attempts: { error: string | null }[] }[];
    };
    expect(deliveries.deliveries[0]).toMatchObject({ status: 'failed' });
    expect(deliveries.deliveries[0]!.attempts.at(-1)!.error).toMatch(/no longer holds the owner right/);
  });
});
