import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_ACTIONS } from '@unjucks/core';
import { HookWorker } from '../../packages/server/src/hooks/worker.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * Red-team review of webhooks (issue 17): a `format: slack` hook posts text that people with a
 * role on the package wrote (a deprecation message, a rejection reason). Slack obeys `<!channel>`
 * and `<url|label>` in message text, so that text must arrive escaped, shown and not obeyed.
 */
describe('slack deliveries carry text, not Slack commands', () => {
  let h: Harness;
  let owner: string;
  let maintainer: string;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    h = await createHarness();
    // Loopback is where the test's receiver listens.
    h.registry.webhooks = { ...h.registry.webhooks, allowPrivate: true, pollMs: 10_000 };
    owner = await h.token(
      'olga',
      TOKEN_ACTIONS.filter((a) => a !== 'admin'),
    );
    maintainer = await h.token(
      'mick',
      TOKEN_ACTIONS.filter((a) => a !== 'admin'),
    );
    expect((await h.request('POST', '/api/v1/packages', { token: owner, body: packageTarball('slack-pkg', '1.0.0') })).status).toBe(201);
    expect((await h.request('PUT', '/api/v1/packages/slack-pkg/access/mick', { token: owner, json: { role: 'maintainer' } })).status).toBe(200);
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('escapes &, < and > in a deprecation message', async () => {
    const hook = await h.request('POST', '/api/v1/hooks', {
      token: owner,
      json: { package: 'slack-pkg', url: `${receiver.url}/slack`, format: 'slack', events: ['version.deprecated'] },
    });
    expect(hook.status).toBe(201);
    const message = '<!channel> urgent: reinstall from <https://evil.example/x|our mirror> & rotate keys';
    const dep = await h.request('POST', '/api/v1/packages/slack-pkg/1.0.0/deprecate', { token: maintainer, json: { message } });
    expect(dep.status).toBe(200);
    await new HookWorker(h.db, h.registry.keys, h.registry.webhooks, (e) => {
      throw e;
    }).tick();
    expect(receiver.received).toHaveLength(1);
    const { text } = JSON.parse(receiver.received[0]!.body) as { text: string };
    expect(text).not.toMatch(/[<>]/);
    expect(text).toBe('mick deprecated slack-pkg@1.0.0: &lt;!channel&gt; urgent: reinstall from &lt;https://evil.example/x|our mirror&gt; &amp; rotate keys');
  });
});

/** A Slack hook's URL is its credential (the path is the secret); the audit log is kept for good. */
describe('a hook URL in the audit log', () => {
  let h: Harness;
  afterAll(() => h?.close());
  it('keeps the origin only, never the path that holds the credential', async () => {
    h = await createHarness();
    h.registry.webhooks = { ...h.registry.webhooks, allowPrivate: true, pollMs: 10_000 };
    const admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
    expect((await h.request('POST', '/api/v1/packages', { token: admin, body: packageTarball('audit-pkg', '1.0.0') })).status).toBe(201);
    const secretPath = '/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';
    const created = await h.request('POST', '/api/v1/hooks', {
      token: admin,
      json: { package: 'audit-pkg', url: `http://127.0.0.1:9${secretPath}`, format: 'slack' },
    });
    expect(created.status).toBe(201);
    const audit = (await (await h.request('GET', '/api/v1/audit?action=hook.create', { token: admin })).json()) as {
      records: { detail: Record<string, unknown> }[];
    };
    expect(audit.records).toHaveLength(1);
    expect(audit.records[0]!.detail.url).toBe('http://127.0.0.1:9');
    expect(JSON.stringify(audit.records)).not.toContain('XXXXXXXX');
  });
});
