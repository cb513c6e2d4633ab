import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook or push endpoint may not reach (SSRF): this machine, its networks and the cloud
 * metadata service. IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) match the IPv4 rules.
 */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // unspecified, "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, including the metadata service 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local (AWS metadata fd00:ec2::254 too)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) is a public address a webhook may reach. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL's host as an IP literal (brackets of IPv6 removed), or undefined for a name. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : undefined;
}

export class BlockedAddressError extends Error {
  constructor(host: string, address: string) {
    super(`${host} is a private address (${address}); webhooks reach public addresses only`);
    this.name = 'BlockedAddressError';
  }
}

/** The addresses a name resolves to (dns.lookup with `all`); passed in, it is an I/O edge. */
export type Resolve = (hostname: string) => Promise<string[]>;

/**
 * A `lookup` for http(s) agents that refuses a name resolving to any non-public address. It runs when
 * the socket connects, so the address checked is the one connected to: a name that resolved to a
 * public address when the channel was created and to a private one now (DNS rebinding) is refused.
 */
export function publicOnlyLookup(lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, resolved) => {
      if (error) return callback(error, '', 0);
      const addresses = resolved as unknown as Array<{ address: string; family: number }>;
      const blocked = addresses.find((entry) => !isPublicAddress(entry.address));
      if (blocked) return callback(new BlockedAddressError(hostname, blocked.address), '', 0);
      if (options.all) return (callback as (e: null, a: typeof addresses) => void)(null, addresses);
      const [first] = addresses;
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Why `url` cannot take webhooks (or push), or undefined when it can: it must be http(s), and unless
 * private addresses are allowed, its host must be a public literal or resolve only to public ones.
 */
export async function webhookUrlProblem(
  url: string,
  { allowPrivate, resolve }: { allowPrivate: boolean; resolve: Resolve },
): Promise<string | undefined> {
  if (!URL.canParse(url)) return 'Not a URL.';
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'Only http:// and https:// URLs.';
  if (parsed.username || parsed.password) return 'A URL with a user name or password is not accepted.';
  if (allowPrivate) return undefined;
  const literal = literalAddress(parsed);
  if (literal) return isPublicAddress(literal) ? undefined : `${literal} is not a public address.`;
  let addresses: string[];
  try {
    addresses = await resolve(parsed.hostname);
  } catch {
    return `${parsed.hostname} does not resolve.`;
  }
  const blocked = addresses.find((address) => !isPublicAddress(address));
  if (blocked) return `${parsed.hostname} resolves to ${blocked}, not a public address.`;
  return addresses.length === 0 ? `${parsed.hostname} does not resolve.` : undefined;
}
