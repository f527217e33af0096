import { TOKEN_ACTIONS } from '@unjucks/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness.js';
import { packageTarball } from '../helpers/packages.js';

/**
 * Attacks on reviewed releases, in process: every route that serves a version's contents must
 * keep a staged one from readers and outsiders (native, npm, web pages); the four-eyes rule must
 * hold for admins, for a second token of the publisher, for tokens limited to other packages,
 * and under concurrent approvals.
 */
describe('reviewed releases under attack', () => {
  let h: Harness;
  let admin: string;
  const t: Record<string, string> = {};
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string } });
  const publish = async (token: string, name: string, version: string) =>
    json(await h.request('POST', '/api/v1/packages', { token, body: packageTarball(name, version), headers: { 'content-type': 'application/octet-stream' } }));

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('root', [...TOKEN_ACTIONS], { admin: true });
    for (const u of ['pam', 'max', 'kim', 'rex'])
      t[u] = await h.token(
        u,
        TOKEN_ACTIONS.filter((a) => a !== 'admin'),
      );
    expect((await h.request('POST', '/api/v1/orgs', { token: admin, json: { name: 'corp' } })).status).toBe(201);
    for (const [u, role] of [
      ['pam', 'maintainer'],
      ['max', 'maintainer'],
      ['kim', 'maintainer'],
      ['rex', 'reader'],
    ])
      expect((await h.request('PUT', `/api/v1/orgs/corp/members/${u}`, { token: admin, json: { role } })).status).toBe(200);
    expect((await publish(t.pam!, '@corp/app', '1.0.0')).status).toBe(201);
    expect((await h.request('PUT', '/api/v1/orgs/corp/review-policy', { token: admin, json: { requiredApprovals: 1 } })).status).toBe(200);
    expect((await publish(t.pam!, '@corp/app', '2.0.0')).body.status).toBe('staged');
  });
  afterAll(() => h?.close());

  it("serves a staged version's contents on no route to a reader or an anonymous client", async () => {
    const paths = [
      '/api/v1/packages/@corp%2Fapp/2.0.0',
      '/api/v1/packages/@corp%2Fapp/-/app-2.0.0.tgz',
      '/api/v1/packages/@corp%2Fapp/2.0.0/report',
      '/api/v1/packages/@corp%2Fapp/2.0.0/diff?from=1.0.0',
      '/api/v1/packages/@corp%2Fapp/1.0.0/diff?from=2.0.0',
      '/@corp%2fapp/2.0.0',
      '/@corp/app/-/app-2.0.0.tgz',
      '/-/web/package/@corp/app?v=2.0.0',
      '/-/web/package/@corp/app/files?v=2.0.0&path=package.json',
    ];
    const leaks: string[] = [];
    for (const token of [undefined, t.rex]) {
      for (const path of paths) {
        const res = await h.request('GET', path, { token });
        if (res.status !== 404) leaks.push(`${path} (${token ? 'reader' : 'anonymous'}) → ${res.status}`);
      }
      for (const path of ['/api/v1/packages/@corp%2Fapp', '/@corp%2fapp', '/api/v1/search?q=app']) {
        const text = await (await h.request('GET', path, { token })).text();
        if (text.includes('2.0.0')) leaks.push(`${path} (${token ? 'reader' : 'anonymous'}) names 2.0.0`);
      }
    }
    expect(leaks).toEqual([]);
    // The same routes do serve it to a maintainer who reviews it.
    expect((await h.request('GET', '/api/v1/packages/@corp%2Fapp/-/app-2.0.0.tgz', { token: t.max })).status).toBe(200);
  });

  it("holds the four-eyes rule for the publisher's other tokens, registry admins, and tokens limited to other packages", async () => {
    const second = await h.token('pam', ['read', 'publish:update']);
    expect((await json(await h.request('POST', '/api/v1/packages/@corp%2Fapp/2.0.0/approve', { token: second }))).status).toBe(403);
    expect((await publish(admin, '@corp/app', '2.1.0')).body.status).toBe('staged');
    const self = await json(await h.request('POST', '/api/v1/packages/@corp%2Fapp/2.1.0/approve', { token: admin }));
    expect(self.status).toBe(403);
    expect(self.body.error).toMatch(/cannot approve their own release/);
    const narrow = await h.token('max', ['read', 'publish:update'], { packages: ['@corp/other'] });
    expect((await h.request('POST', '/api/v1/packages/@corp%2Fapp/2.0.0/approve', { token: narrow })).status).toBe(403);
    // A token without the right may not read staged versions either, even for a maintainer.
    const readless = await h.token('max', ['publish:update']);
    expect((await h.request('GET', '/api/v1/packages/@corp%2Fapp/-/app-2.0.0.tgz', { token: readless })).status).toBe(404);
    expect(((await json(await h.request('GET', '/api/v1/packages/@corp%2Fapp/reviews', { token: t.rex }))).body.versions as unknown[]).length).toBe(0);
  });

  it('lets concurrent approvals cross the threshold exactly once', async () => {
    const results = await Promise.all(
      [t.max!, t.kim!].map(async (token) => json(await h.request('POST', '/api/v1/packages/@corp%2Fapp/2.0.0/approve', { token }))),
    );
    const statuses = results.map((r) => r.status).sort();
    // Either both approvals land and the second finds it live (409), or the first makes it live.
    expect(statuses).toEqual([200, 409]);
    expect(results.find((r) => r.status === 200)!.body.status).toBe('live');
    expect(results.find((r) => r.status === 409)!.body.error).toMatch(/already live/);
    const doc = await json(await h.request('GET', '/api/v1/packages/@corp%2Fapp'));
    expect(doc.body['dist-tags']).toEqual({ latest: '2.0.0' });
  });
});
