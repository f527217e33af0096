import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PROXY } from '../../packages/server/src/client-address.js';
import { createHarness, type Harness } from '../helpers/harness.js';

// The per-address guard on password hashing is attached by each route that hashes a password
// (it used to be one middleware re-matching these paths): each of them refuses the overflow, a
// route that hashes nothing does not.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    limits: {
      maxUrlLength: 8192,
      ratePerMinuteIp: 0,
      ratePerMinuteToken: 0,
      maxConcurrentPublishes: 0,
      maxQueuedPublishes: 0,
      passwordChecksPerAddress: 1,
      trustProxy: NO_PROXY,
    },
  });
});
afterAll(() => h?.close());

describe('the password-check guard', () => {
  // Four at once from one address (app.request has no socket: every request is 'unknown'): the
  // first holds the one slot while its body is read and checked, so at least one other is refused.
  const burst = (method: string, path: string, init: { json?: unknown; body?: string; headers?: Record<string, string>; token?: string; admin?: boolean }) =>
    Promise.all(Array.from({ length: 4 }, () => h.request(method, path, init)));

  it.each([
    ['POST', '/api/v1/auth/login', { json: { username: 'guarded', password: 'wrong' } }],
    // An admin setting another user's password: the new one is hashed.
    ['PUT', '/api/v1/users/guarded/password', { json: { password: 'a new password 123' }, admin: true }],
    ['PUT', '/-/user/org.couchdb.user:guarded', { json: { name: 'guarded', password: 'wrong' } }],
    ['POST', '/-/npm/v1/tokens', { json: { password: 'wrong', readonly: false } }],
    [
      'POST',
      '/-/web/login',
      { body: 'username=guarded&password=wrong', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } },
    ],
  ] as const)('is attached to %s %s', async (method, path, init) => {
    const token = 'admin' in init ? await h.token('root', ['admin', 'tokens', 'read'], { admin: true }) : await h.token('guarded', ['read', 'tokens']);
    const answers = await burst(method, path, { ...init, ...(path.includes('password') || path.includes('tokens') ? { token } : {}) });
    expect(answers.map((r) => r.status)).toContain(429);
  });

  it('is not attached to routes that hash nothing', async () => {
    const answers = await burst('GET', '/api/v1/search?q=x', {});
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it('refuses a second password check in flight from one address with 429 rate_limited', async () => {
    await h.token('guarded', ['read']);
    const attempts = await Promise.all(
      Array.from({ length: 4 }, () => h.request('POST', '/api/v1/auth/login', { json: { username: 'guarded', password: 'not the password' } })),
    );
    const statuses = attempts.map((r) => r.status);
    expect(statuses).toContain(401);
    const refused = attempts.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(await r.json()).toMatchObject({ code: 'rate_limited', error: expect.stringMatching(/password checks running/) });
    }
  });
});
