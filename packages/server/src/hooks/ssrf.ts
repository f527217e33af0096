import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { InputError } from '@unjucks/core';

/** Resolves a host name to its addresses; injectable so tests can make a name point anywhere. */
export type Resolver = (host: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface HookPolicy {
  /** WEBHOOK_ALLOW_PRIVATE: loopback and private receivers are allowed (tests, closed networks). */
  allowPrivate: boolean;
  resolve?: Resolver;
}

/** A URL checked for delivery: connect to `address`, and to nothing else. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

const CLOUD_SERVICE_ADDRESSES = new Set(['168.63.129.16']);

const refused = (message: string) => new InputError(message, 'bad_request');

/**
 * Why an address may not receive webhooks, or null when it may. Only ordinary public unicast
 * passes: loopback, private (RFC 1918), link-local (169.254/16, where cloud metadata answers),
 * carrier-grade NAT (100.64/10, Alibaba's metadata), unique-local IPv6 (fd00::/8, AWS's IPv6
 * metadata), unspecified, multicast, reserved and documentation ranges are refused, and so are
 * IPv6 forms that carry an IPv4 address inside (mapped, NAT64, 6to4, Teredo), which could name
 * any of those. IPv4-mapped addresses are judged as the IPv4 address they map.
 */
export function addressProblem(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return `${address} is not an IP address`;
  }
  const range = parsed.range();
  if (range !== 'unicast') return `${address} is a ${range} address`;
  // Public unicast by its range, yet a cloud's own service address: Azure's wireserver (instance
  // metadata and the VM agent's channel) answers every VM on 168.63.129.16.
  if (parsed.kind() === 'ipv4' && CLOUD_SERVICE_ADDRESSES.has(parsed.toString())) return `${address} is a cloud platform's service address`;
  // ::a.b.c.d (IPv4-compatible, RFC 4291 deprecated it) carries an IPv4 address too, and
  // ipaddr.js files it under unicast: ::7f00:1 is 127.0.0.1, ::a9fe:a9fe the metadata service.
  const compatible =
    parsed.kind() === 'ipv6' &&
    parsed
      .toByteArray()
      .slice(0, 12)
      .every((b) => b === 0);
  return compatible ? `${address} is an IPv4-compatible address` : null;
}

/**
 * Parses and checks a hook URL: http or https, no credentials, and a host whose every address is
 * public (unless the policy allows private ones). Returns the address to connect to, so the
 * request goes where the check looked (a second DNS answer cannot swap it for an internal one).
 * Called when a hook is created and again before every delivery.
 */
export async function checkHookUrl(raw: string, policy: HookPolicy): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(`the hook URL ${JSON.stringify(raw.slice(0, 200))} is not a URL; use https://host/path`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused(`a hook URL must be http or https, not ${url.protocol.replace(/:$/, '')}`);
  if (url.username || url.password) throw refused('a hook URL may not carry a user name or password; deliveries are signed with the hook secret instead');
  // The WHATWG parser has already turned 2130706433, 0x7f.1 and friends into dotted IPv4.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: 4 | 6 }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolver)(host);
    } catch (e) {
      throw refused(`the hook host ${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? 'no answer'}); check the URL`);
    }
    if (addresses.length === 0) throw refused(`the hook host ${host} does not resolve; check the URL`);
  }
  if (!policy.allowPrivate) {
    for (const a of addresses) {
      const problem = addressProblem(a.address);
      if (problem)
        throw refused(
          `the hook URL points to ${host === a.address ? '' : `${host}, which resolves to `}${problem}; hooks go to public addresses only (an operator may set WEBHOOK_ALLOW_PRIVATE=true for a closed network)`,
        );
    }
  }
  return { url, address: addresses[0]!.address, family: addresses[0]!.family };
}
