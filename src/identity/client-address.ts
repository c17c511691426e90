import type { IncomingHttpHeaders } from 'node:http';
import ipaddr from 'ipaddr.js';

/** Which proxies in front of Tollgate may say who the client is. */
export type TrustedProxies =
  /** None: the TCP peer is the client; forwarding headers are ignored. */
  | { kind: 'none' }
  /** The nearest `hops` proxies (load balancers) append to `X-Forwarded-For` / `Forwarded`. */
  | { kind: 'hops'; hops: number }
  /** Proxies whose addresses lie in these ranges. */
  | { kind: 'cidrs'; ranges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]> };

/** The header trusted proxies name the client in; only that one is read. */
export type ProxyHeader = 'x-forwarded-for' | 'forwarded';

/** The values of {@link ProxyHeader}. */
export const PROXY_HEADERS: readonly ProxyHeader[] = ['x-forwarded-for', 'forwarded'];

/** Options of {@link createAddressResolver}. */
export interface AddressResolverOptions {
  trustedProxies: TrustedProxies;
  /**
   * The header the trusted proxies write: `X-Forwarded-For`, or `Forwarded` (RFC 7239, its `for=`
   * parameters). The other one is never read: a proxy that writes only one of them passes the
   * other through from the client, who would pick its own identity. Default `x-forwarded-for`.
   */
  proxyHeader?: ProxyHeader;
  /** IPv6 clients are keyed by this prefix (one subscriber usually holds a /64). Default 64. */
  ipv6PrefixLength: number;
}

/**
 * Returns the function that tells a request's client address, as the limiter keys it: the TCP
 * peer unless trusted proxies say otherwise (then the right-most address no trusted proxy
 * added), IPv4-mapped IPv6 as IPv4, and IPv6 reduced to its prefix (`2001:db8:1:2::/64`).
 */
export function createAddressResolver(
  options: AddressResolverOptions,
): (headers: IncomingHttpHeaders, peer: string | undefined) => string {
  const { trustedProxies, ipv6PrefixLength } = options;
  const proxyHeader = options.proxyHeader ?? 'x-forwarded-for';
  // Without trusted proxies the answer depends on the peer alone: parse each peer once.
  const byPeer = new Map<string, string>();
  return (headers, peer) => {
    if (trustedProxies.kind === 'none' && peer !== undefined) {
      const known = byPeer.get(peer);
      if (known !== undefined) return known;
    }
    const peerAddress = parse(peer);
    if (!peerAddress) return 'unknown';
    if (trustedProxies.kind === 'none') {
      const client = key(peerAddress, ipv6PrefixLength);
      if (byPeer.size >= 10_000) byPeer.clear();
      byPeer.set(peer as string, client);
      return client;
    }
    // The chain as the nearest proxy saw it: client first, our peer last. An entry that is not an
    // address keeps its place (as null), so that counting hops cannot be shifted by the client.
    const chain = [...forwardedFor(headers, proxyHeader), peerAddress];
    const client = clientOf(chain, trustedProxies);
    return client ? key(client, ipv6PrefixLength) : 'invalid';
  };
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

function clientOf(chain: Array<Address | null>, trusted: TrustedProxies): Address | null {
  if (trusted.kind === 'hops') {
    // Each trusted hop appended the address it saw; skip exactly that many from the right.
    return chain[Math.max(0, chain.length - 1 - trusted.hops)] ?? null;
  }
  if (trusted.kind === 'none') return chain.at(-1) ?? null;
  for (let i = chain.length - 1; i > 0; i--) {
    const address = chain[i] ?? null;
    if (address === null || !isTrusted(address, trusted)) return address;
  }
  return chain[0] ?? null;
}

function isTrusted(address: Address, trusted: TrustedProxies & { kind: 'cidrs' }): boolean {
  return trusted.ranges.some(
    ([range, bits]) => address.kind() === range.kind() && address.match(range, bits),
  );
}

/**
 * The addresses of the one proxy header, client first; null where an entry is not an address
 * (or a `Forwarded` element has no `for=`), so that it keeps its place in the count of hops.
 * Split on every comma, quotes or not: a proxy's own entry has none, so an open quote the client
 * sends cannot swallow the entries appended after it.
 */
function forwardedFor(headers: IncomingHttpHeaders, proxyHeader: ProxyHeader): Array<Address | null> {
  const value = headers[proxyHeader];
  if (value === undefined || value === '') return [];
  const entries = (Array.isArray(value) ? value.join(',') : value).split(',');
  if (proxyHeader === 'x-forwarded-for') return entries.map((entry) => parse(withoutPort(entry.trim())));
  return entries.map((element) => {
    const forParameter = /(?:^|;)\s*for\s*=\s*"?([^";]*)"?\s*(?:;|$)/i.exec(element.trim());
    return parse(withoutPort((forParameter?.[1] ?? '').trim()));
  });
}

/** `1.2.3.4:5678` → `1.2.3.4`, `[2001:db8::1]:4711` → `2001:db8::1`; a bare IPv6 address is kept. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1] as string;
  return /^[\d.]+:\d+$/.test(entry) ? entry.slice(0, entry.lastIndexOf(':')) : entry;
}

function parse(text: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!text || !ipaddr.isValid(text)) return null;
  const address = ipaddr.parse(text);
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

function key(address: ipaddr.IPv4 | ipaddr.IPv6, ipv6PrefixLength: number): string {
  if (address.kind() === 'ipv4' || ipv6PrefixLength >= 128) return address.toString();
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${ipv6PrefixLength}`);
  return `${network.toString()}/${ipv6PrefixLength}`;
}

/** Parses `TOLLGATE_TRUST_PROXY`: empty or `false` for none, a hop count, or a comma list of CIDRs. */
export function parseTrustedProxies(text: string | undefined): TrustedProxies | string {
  const value = (text ?? '').trim();
  if (value === '' || value === 'false' || value === '0') return { kind: 'none' };
  if (/^\d+$/.test(value)) return { kind: 'hops', hops: Number(value) };
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    try {
      ranges.push(
        entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(':') ? 128 : 32],
      );
    } catch {
      return `"${entry}" is not an address or CIDR range`;
    }
  }
  return { kind: 'cidrs', ranges };
}
