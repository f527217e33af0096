import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ipAllowed, parseCidrs } from './cidr.js';
import { hashPassword, verifyPassword } from './password.js';
import { seal, unseal } from './seal.js';

describe('CIDR allowlists', () => {
  it('normalizes ranges and bare addresses', () => {
    expect(parseCidrs('10.0.0.0/8, 192.168.1.7,::1')).toEqual(['10.0.0.0/8', '192.168.1.7/32', '::1/128']);
    expect(parseCidrs(undefined)).toBeNull();
    expect(() => parseCidrs(['10.0.0.300/8'])).toThrow(/invalid CIDR/);
    expect(() => parseCidrs(['example.com'])).toThrow(/invalid CIDR/);
  });

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses', () => {
    expect(ipAllowed('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed('2001:db8::1', ['2001:db8::/32'])).toBe(true);
    expect(ipAllowed('2001:db8::1', ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed('unknown', ['10.0.0.0/8'])).toBe(false);
  });
});

describe('passwords', () => {
  it('hashes with a salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterx', a)).toBe(false);
    expect(await verifyPassword('x', 'plain-text-stored')).toBe(false);
    await expect(hashPassword('short')).rejects.toThrow(/at least 8/);
  });
});

describe('sealing', () => {
  it('round-trips with the right key and refuses tampering or another key', () => {
    const key = randomBytes(32);
    const sealed = seal(key, '{"d":"secret"}');
    expect(JSON.stringify(sealed)).not.toContain('secret');
    expect(unseal(key, sealed)).toBe('{"d":"secret"}');
    expect(unseal(randomBytes(32), sealed)).toBeNull();
    const data = Buffer.from(sealed.data, 'base64url');
    data[0]! ^= 1;
    expect(unseal(key, { ...sealed, data: data.toString('base64url') })).toBeNull();
  });
});

describe('password hashing pool', () => {
  it('runs scrypt on its own workers with a bounded queue, refusing the overflow with a 503', async () => {
    const { ScryptPool } = await import('./scrypt-pool.js');
    const { UnavailableError } = await import('../errors.js');
    const pool = new ScryptPool(1, 1);
    const job = { password: 'pw', salt: Buffer.from('salt'), keyLength: 16, N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
    const results = await Promise.allSettled([pool.run(job), pool.run(job), pool.run(job)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const [a, b, c] = results;
    expect((a as PromiseFulfilledResult<Buffer>).value.equals((b as PromiseFulfilledResult<Buffer>).value)).toBe(true);
    expect((c as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
    expect(pool.stats).toMatchObject({ running: 0, queued: 0 });
    // The pool is free again once the burst is over.
    expect((await pool.run(job)).length).toBe(16);
  });
});

describe('sealing configuration', () => {
  it('needs SIGNING_KEY_SECRET on a shared database, unless a SIGNING_KEY is configured, and never the published one', async () => {
    const { sealingProblem } = await import('./seal.js');
    expect(sealingProblem({ secret: null, databaseUrl: null })).toBeNull();
    expect(sealingProblem({ secret: null, databaseUrl: 'postgres://db/x' })).toMatch(/SIGNING_KEY_SECRET is not set/);
    expect(sealingProblem({ secret: null, databaseUrl: 'postgres://db/x', signingKey: '{"kty":"EC"}' })).toBeNull();
    expect(sealingProblem({ secret: 'a-long-random-secret-value', databaseUrl: 'postgres://db/x' })).toBeNull();
    expect(sealingProblem({ secret: 'change-me-to-a-long-random-secret', databaseUrl: null })).toMatch(/example value/);
    expect(sealingProblem({ secret: 'short', databaseUrl: null })).toMatch(/at least 16 characters/);
  });
});
