// The SSRF guard of webhook endpoints (DESIGN "Webhooks"): an endpoint URL is the integrator's
// to choose, so without this guard it would make the server POST to its own loopback, the
// private network it runs in, or the cloud's metadata service. Checked at registration (here)
// and on the address actually connected to at every delivery (deliver.ts), because a name that
// resolved to a public address yesterday may resolve to 127.0.0.1 today (DNS rebinding).
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A webhook URL refused at registration; the message is one sentence for the integrator. */
export class WebhookUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookUrlError';
  }
}

/** `dns.lookup` with `all: true`, injectable so tests can make a name resolve anywhere. */
export type ResolveAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface WebhookUrlOptions {
  /** `TITAN_WEBHOOK_ALLOW_PRIVATE=1`: plain http and any address (development and tests). */
  allowPrivate: boolean;
  /** Resolves a host name to every address (default: the system resolver, as connections use). */
  lookup?: ResolveAll;
}

/**
 * Ranges no webhook may reach, with why. IPv6 forms that embed an IPv4 address (mapped,
 * compatible, NAT64, 6to4) are checked again as that IPv4 address in `isForbiddenAddress`.
 */
const FORBIDDEN_RANGES: readonly (readonly [cidr: string, why: string])[] = [
  ['0.0.0.0/8', '"this network"; 0.0.0.0 reaches the local host'],
  ['10.0.0.0/8', 'private (RFC 1918)'],
  ['100.64.0.0/10', 'carrier-grade NAT, also where some clouds put metadata (100.100.100.200)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local, with the cloud metadata service at 169.254.169.254'],
  ['172.16.0.0/12', 'private (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast'],
  ['192.168.0.0/16', 'private (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved, and 255.255.255.255 broadcast'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique local (ULA), with the AWS metadata service at fd00:ec2::254'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'deprecated site-local'],
  ['ff00::/8', 'multicast'],
];

const PARSED_RANGES = FORBIDDEN_RANGES.map(([cidr]) => ipaddr.parseCIDR(cidr));

/** The IPv4 address an IPv6 address stands for, when it embeds one that routing will reach. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const [a, b, c, d, e, f, g, h] = address.parts as [number, number, number, number, number, number, number, number];
  const fromWords = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  // ::ffff:a.b.c.d (mapped): the kernel connects to a.b.c.d itself.
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 themselves are in the table.
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0) return fromWords(g, h);
  // 64:ff9b::a.b.c.d (NAT64, RFC 6052): the translator connects to a.b.c.d.
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return fromWords(g, h);
  // 2002:AABB:CCDD::/48 (6to4): the tunnel ends at AA.BB.CC.DD.
  if (a === 0x2002) return fromWords(b, c);
  return null;
}

/**
 * Whether no webhook may connect to `ip` (an address as the resolver returns it, IPv4 or IPv6,
 * with or without a zone). Anything that does not parse as an address is forbidden: fail closed.
 */
export function isForbiddenAddress(ip: string): boolean {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIP(text.split('%')[0]!) === 0) return true;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(text);
  } catch {
    return true;
  }
  if (address.kind() === 'ipv6') {
    const v4 = embeddedIPv4(address as ipaddr.IPv6);
    if (v4 && isForbiddenAddress(v4.toString())) return true;
  }
  return PARSED_RANGES.some((range) => range[0].kind() === address.kind() && address.match(range));
}

/** The system resolver, every address (as the connection would see them). */
export const systemResolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/** `URL.hostname` without the brackets of an IPv6 literal. */
export const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The sentence for an address no webhook may reach; deliver.ts records it as the failure too. */
export const privateAddressMessage = (host: string, address: string): string =>
  `The webhook URL's host ${host} resolves to a private address (${host === address ? '' : `${address}: `}loopback, private network, link-local, metadata or reserved); ` +
  'webhooks must reach a public address (TITAN_WEBHOOK_ALLOW_PRIVATE=1 lifts this for development).';

/**
 * The parts of the rule that need no resolver: an absolute http(s) URL without credentials, and
 * https unless private addresses are allowed. Returns the parsed URL.
 */
export function checkWebhookUrlShape(url: string, options: Pick<WebhookUrlOptions, 'allowPrivate'>): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookUrlError('The webhook URL is not an absolute URL (expected https://…).');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new WebhookUrlError(`The webhook URL must use https (got ${parsed.protocol}).`);
  if (parsed.protocol === 'http:' && !options.allowPrivate) {
    throw new WebhookUrlError('The webhook URL must use https; plain http is allowed only with TITAN_WEBHOOK_ALLOW_PRIVATE=1 (development).');
  }
  // Credentials in a URL end up in logs and in the endpoint list; the signature authenticates us.
  if (parsed.username || parsed.password) throw new WebhookUrlError('The webhook URL must not contain a username or password.');
  return parsed;
}

/**
 * Registration-time check of an endpoint URL. Every address the host resolves to must be public
 * (one private answer is enough for a rebinding resolver to pick it). WHATWG URL parsing has
 * already turned `0x7f000001`, `2130706433` and `127.1` into `127.0.0.1`.
 * Throws `WebhookUrlError`; with `allowPrivate` only the URL's shape is checked.
 */
export async function checkWebhookUrl(url: string, options: WebhookUrlOptions): Promise<void> {
  const parsed = checkWebhookUrlShape(url, options);
  if (options.allowPrivate) return;
  const host = bareHost(parsed);
  if (isIP(host) !== 0) {
    if (isForbiddenAddress(host)) throw new WebhookUrlError(privateAddressMessage(host, host));
    return;
  }
  let addresses: { address: string }[];
  try {
    addresses = await (options.lookup ?? systemResolveAll)(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WebhookUrlError(`The webhook URL's host ${host} does not resolve${code ? ` (${code})` : ''}.`);
  }
  if (addresses.length === 0) throw new WebhookUrlError(`The webhook URL's host ${host} does not resolve.`);
  const forbidden = addresses.find(({ address }) => isForbiddenAddress(address));
  if (forbidden) throw new WebhookUrlError(privateAddressMessage(host, forbidden.address));
}
