import ipaddr from 'ipaddr.js';
import { InputError } from '@unjucks/core';
import { ipAllowed, parseCidrs } from './auth/cidr.js';

/**
 * Which hops in front of the server are trusted to report the client's address: none (the
 * socket's address is the client), a number of proxies, or the networks the proxies live in.
 */
export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'networks'; networks: string[] };

export const NO_PROXY: TrustProxy = { kind: 'none' };

/**
 * TRUST_PROXY: empty/false/0 (no proxy), a number of hops (`1`, `2`), or a comma list of proxy
 * networks (`10.0.0.0/8,172.16.0.0/12`). `true` means one hop and is kept for old configurations.
 */
export function parseTrustProxy(raw: string | undefined): { trust: TrustProxy; deprecated?: string } {
  const text = (raw ?? '').trim();
  if (text === '' || /^(false|no|off)$/i.test(text)) return { trust: NO_PROXY };
  if (/^(true|yes|on)$/i.test(text))
    return {
      trust: { kind: 'hops', hops: 1 },
      deprecated: `TRUST_PROXY=${text} is read as TRUST_PROXY=1 (one proxy in front); say the number of hops or the proxies' networks instead`,
    };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (!Number.isSafeInteger(hops) || hops > 32) throw new InputError(`TRUST_PROXY must be a small number of proxy hops (0 to 32), got ${text}`);
    return { trust: hops === 0 ? NO_PROXY : { kind: 'hops', hops } };
  }
  try {
    return { trust: { kind: 'networks', networks: parseCidrs(text) ?? [] } };
  } catch (e) {
    throw new InputError(
      `TRUST_PROXY must be a number of proxy hops or a comma list of the proxies' networks (such as 10.0.0.0/8,172.16.0.0/12): ${(e as Error).message}`,
    );
  }
}

const isIp = (s: string) => ipaddr.isValid(s);

/**
 * The client's address: the rightmost hop of `X-Forwarded-For` + the socket's address that is not
 * a trusted proxy. Everything left of it is the client's own word and is never read, so a forged
 * first hop changes nothing. With `hops: n`, the n rightmost hops (the socket first) are proxies.
 */
export function pickClientAddress(forwardedFor: string | undefined, socket: string, trust: TrustProxy): string {
  if (trust.kind === 'none') return socket;
  const chain = [
    ...(forwardedFor ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    socket,
  ];
  if (trust.kind === 'hops') {
    const i = Math.max(0, chain.length - 1 - trust.hops);
    // A proxy we trust that sent something other than an address: the best we know is that proxy.
    for (let j = i; j < chain.length; j++) if (isIp(chain[j]!)) return chain[j]!;
    return socket;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i]!;
    if (!isIp(hop)) return chain[i + 1] ?? socket;
    if (!ipAllowed(hop, trust.networks)) return hop;
  }
  // Every hop is one of our proxies: the leftmost is the closest we know to the client.
  return chain[0]!;
}

/** For the README and startup log. */
export const describeTrustProxy = (t: TrustProxy) =>
  t.kind === 'none' ? 'no proxy (the socket address is the client)' : t.kind === 'hops' ? `${t.hops} proxy hop(s)` : `proxies in ${t.networks.join(', ')}`;
