import { describe, expect, it } from 'vitest';
import { parseTrustProxy, pickClientAddress, NO_PROXY } from './client-address.js';

describe('parseTrustProxy', () => {
  it('reads nothing, false and 0 as no proxy', () => {
    for (const raw of [undefined, '', 'false', 'off', '0']) expect(parseTrustProxy(raw).trust, String(raw)).toEqual(NO_PROXY);
  });
  it('reads a number as that many hops, and true as one hop with a deprecation note', () => {
    expect(parseTrustProxy('2').trust).toEqual({ kind: 'hops', hops: 2 });
    const t = parseTrustProxy('true');
    expect(t.trust).toEqual({ kind: 'hops', hops: 1 });
    expect(t.deprecated).toMatch(/TRUST_PROXY=1/);
  });
  it('reads a comma list as proxy networks, normalized', () => {
    expect(parseTrustProxy('10.0.0.0/8, 172.16.0.0/12,::1').trust).toEqual({ kind: 'networks', networks: ['10.0.0.0/8', '172.16.0.0/12', '::1/128'] });
  });
  it('refuses anything else with a message that says what it takes', () => {
    expect(() => parseTrustProxy('nginx')).toThrow(/number of proxy hops or a comma list/);
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/invalid CIDR/);
    expect(() => parseTrustProxy('1000')).toThrow(/0 to 32/);
  });
});

describe('pickClientAddress', () => {
  const hops = (n: number) => ({ kind: 'hops', hops: n }) as const;
  const nets = (...networks: string[]) => ({ kind: 'networks', networks }) as const;

  it('takes the socket and ignores the header without a trusted proxy', () => {
    expect(pickClientAddress('10.1.1.1', '203.0.113.9', NO_PROXY)).toBe('203.0.113.9');
  });
  it('takes the rightmost untrusted hop by count, never the client-supplied first hop', () => {
    // nginx appended the real client (198.51.100.7) after what the client forged.
    expect(pickClientAddress('10.0.0.1, 198.51.100.7', '172.18.0.5', hops(1))).toBe('198.51.100.7');
    expect(pickClientAddress('10.0.0.1, 198.51.100.7, 172.18.0.9', '172.18.0.5', hops(2))).toBe('198.51.100.7');
    expect(pickClientAddress('198.51.100.7', '172.18.0.5', hops(1))).toBe('198.51.100.7');
  });
  it('falls back to the leftmost hop, or the socket, when the chain is shorter than the hops', () => {
    expect(pickClientAddress(undefined, '172.18.0.5', hops(1))).toBe('172.18.0.5');
    expect(pickClientAddress('198.51.100.7', '172.18.0.5', hops(3))).toBe('198.51.100.7');
  });
  it('walks left past trusted networks and stops at the first address outside them', () => {
    const trust = nets('10.0.0.0/8', '172.16.0.0/12');
    expect(pickClientAddress('10.0.0.1, 198.51.100.7, 10.2.3.4', '172.18.0.5', trust)).toBe('198.51.100.7');
    expect(pickClientAddress('10.9.9.9', '203.0.113.9', trust)).toBe('203.0.113.9');
    expect(pickClientAddress('10.0.0.1, 10.0.0.2', '172.18.0.5', trust)).toBe('10.0.0.1');
  });
  it('does not take garbage a hop wrote for an address', () => {
    expect(pickClientAddress('not-an-ip', '172.18.0.5', hops(1))).toBe('172.18.0.5');
    expect(pickClientAddress('198.51.100.7, <script>', '10.0.0.5', nets('10.0.0.0/8'))).toBe('10.0.0.5');
  });
  it('treats IPv4-mapped IPv6 sockets as their IPv4 network', () => {
    expect(pickClientAddress('198.51.100.7', '::ffff:10.0.0.5', nets('10.0.0.0/8'))).toBe('198.51.100.7');
  });
});
