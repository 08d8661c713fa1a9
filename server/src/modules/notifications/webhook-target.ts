// Where a webhook may be sent. An admin names the receiver's URL, so without a check
// the server would POST, from inside the network, to whatever the URL names: the
// cloud metadata service, the database port, an intranet host (server-side request
// forgery). Private, loopback, link-local, metadata, unique-local, CGNAT, multicast
// and reserved addresses are refused unless WEBHOOK_ALLOW_PRIVATE lists them (CIDRs,
// for receivers on premises). The check is made on the addresses a name resolves to,
// at connection time, and the connection uses the address that was checked (no
// second lookup a DNS answer could change in between); redirects are not followed.
import { BlockList, isIP } from 'node:net';
import { parseAllowList } from '../../kernel/address-allow-list.js';

/** Ranges no webhook goes to by default (IANA special-purpose registries, the public ones aside). */
const REFUSED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const REFUSED_V6: [string, number][] = [
  ['::', 96], // unspecified, loopback (::1), IPv4-compatible (deprecated)
  ['64:ff9b::', 96], // NAT64 (embeds an IPv4 address)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

// (A BlockList matches IPv4-mapped IPv6 addresses, ::ffff:127.0.0.1, against its IPv4 rules.)
const refused = new BlockList();
for (const [net, prefix] of REFUSED_V4) refused.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of REFUSED_V6) refused.addSubnet(net, prefix, 'ipv6');

export interface TargetPolicy {
  /** Null when a webhook may connect to this address; else why not. */
  refusal(ip: string): string | null;
}

export function targetPolicy(allowPrivate: readonly string[]): TargetPolicy {
  const allowed = parseAllowList(allowPrivate);
  return {
    refusal(ip) {
      const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
      const family = isIP(bare) === 6 ? 'ipv6' : isIP(bare) === 4 ? 'ipv4' : null;
      if (!family) return `"${ip}" is not an IP address`;
      if (!refused.check(bare, family) || allowed.check(bare, family)) return null;
      return (
        `${bare} is a private, loopback, link-local or reserved address; webhooks go there only ` +
        'when WEBHOOK_ALLOW_PRIVATE lists it'
      );
    },
  };
}

/** The host of a URL as an IP address when it is one (WHATWG URLs normalise 2130706433 and 0x7f.1), else null. */
export function literalAddress(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : null;
}
