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
