import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { packageTarball, publishRaw } from '../helpers/packages.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Org owners read their org's audit records, found by the org's name. A rename frees the old
 * name, and anyone may create an org under a free name: the new owner must not read what the old
 * org did under that name (its private packages, members, client addresses, token ids).
 */
describe('what a renamed org leaves under its old name', () => {
  let server: TestServer;
  let receiver: Receiver;
  const api = (token: string | null, method: string, path: string, body?: unknown) => call(server, token, method, path, body);
  const login = async (name: string) => {
    expect((await api(server.adminToken, 'POST', '/users', { name, password: `${name} password 123` })).status).toBe(201);
    return (await api(null, 'POST', '/auth/login', { username: name, password: `${name} password 123` })).body.token as string;
  };

  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server?.destroy();
    await receiver?.close();
  });

  it('stays with the org, not with the name a newcomer takes: audit records and webhooks', async () => {
    const olga = await login('olga');
    const mallory = await login('mallory');
    expect((await api(olga, 'POST', '/orgs', { name: 'acme' })).status).toBe(201);
    const hook = await api(olga, 'POST', '/hooks', { org: 'acme', url: receiver.url, events: ['version.published'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    expect((await publishRaw(server.api, olga, packageTarball('@acme/payroll', '1.0.0'))).status).toBe(201);
    expect((await api(olga, 'PUT', '/packages/@acme%2Fpayroll/visibility', { visibility: 'private' })).status).toBe(200);
    expect((await api(server.adminToken, 'POST', '/orgs/acme/rename', { name: 'acme-corp' })).status).toBe(200);
    // The records name the old org (the log is append-only); admins read them.
    expect(JSON.stringify((await api(server.adminToken, 'GET', '/audit?org=acme')).body)).toContain('payroll');
    // A newcomer takes the freed name.
    expect((await api(mallory, 'POST', '/orgs', { name: 'acme' })).status).toBe(201);
    const theirs = await api(mallory, 'GET', '/audit?org=acme');
    expect(theirs.status).toBe(200);
    expect(JSON.stringify(theirs.body)).not.toContain('payroll');
    expect(JSON.stringify((await api(mallory, 'GET', '/audit')).body)).not.toContain('payroll');
    // Their own org's records are theirs.
    expect(JSON.stringify(theirs.body)).toContain('org.create');
    // The old org's hook (its URL, its deliveries naming the private package) moved with the org.
    const hooks = await api(mallory, 'GET', '/hooks?org=acme');
    expect(hooks.status).toBe(200);
    expect(hooks.body.hooks).toEqual([]);
    expect((await api(mallory, 'GET', `/hooks/${hook.body.id}/deliveries`)).status).toBe(404);
    const moved = (await api(olga, 'GET', '/hooks?org=acme-corp')).body.hooks as { id: number; org?: string }[];
    expect(moved.map((h) => h.id)).toEqual([hook.body.id]);
  });
});
