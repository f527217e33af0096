import ipaddr from 'ipaddr.js';
import { InputError, stringList } from '@unjucks/core';

/** Parses an allowlist of CIDR ranges (a bare address means just that address). */
export function parseCidrs(input: unknown): string[] | null {
  if (input === undefined || input === null) return null;
  const items = stringList(input, 'cidr must be a list such as ["10.0.0.0/8", "192.168.1.7"]');
  const out: string[] = [];
  for (const raw of items) {
    try {
      const text = raw.includes('/') ? raw : `${raw}/${ipaddr.parse(raw).kind() === 'ipv4' ? 32 : 128}`;
      const [addr, bits] = ipaddr.parseCIDR(text);
      out.push(`${addr.toString()}/${bits}`);
    } catch {
      throw new InputError(`invalid CIDR range ${JSON.stringify(raw)}; use a form such as 10.0.0.0/8 or 2001:db8::/32`);
    }
  }
  return out.length ? out : null;
}

/** Whether ip falls in one of the ranges; IPv4-mapped IPv6 addresses count as IPv4. */
export function ipAllowed(ip: string, cidrs: readonly string[]): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return false;
  }
  return cidrs.some((c) => {
    const range = ipaddr.parseCIDR(c);
    return addr.kind() === range[0].kind() && addr.match(range);
  });
}
