import dns from 'node:dns';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';

/** A sentence an operator can act on: what is wrong with the webhook target and what to do about it. */
export type TargetProblem = string;

/** One resolved address, in the shape `dns.lookup` reports it. */
export interface TargetAddress {
  address: string;
  family: number;
}

// Long enough for any real endpoint with a query string; short enough that a URL is never a payload.
const MAX_URL_LENGTH = 2048;

// Operators reading a refusal need the way out, and tests and local development rely on it.
const ALLOW_HINT =
  'webhooks may only be delivered to public addresses (set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow private targets, for development only)';

/**
 * Checks the URL an operator registers, before anything is resolved: a syntax error is
 * reported when the subscription is saved, not hours later as a failed delivery.
 */
export function checkWebhookUrl(url: string): { url: URL } | { problem: TargetProblem } {
  if (url.length > MAX_URL_LENGTH) {
    return { problem: `The webhook URL is ${url.length} characters long; it must be at most ${MAX_URL_LENGTH}.` };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: 'The webhook URL must be an absolute URL such as https://example.com/scim-events.' };
  }
  // Other schemes (file:, ftp:, gopher:, javascript:, data:) are either not deliverable by an
  // HTTP client or are classic SSRF vectors for reaching local files and non-HTTP services.
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { problem: `The webhook URL must use http: or https:, not ${parsed.protocol}.` };
  }
  // Credentials in a URL end up in logs and in the events API; webhooks are authenticated by
  // their signature instead.
  if (parsed.username !== '' || parsed.password !== '') {
    return {
      problem: 'The webhook URL must not contain a user name or password; verify the webhook signature instead.',
    };
  }
  if (parsed.hostname === '') {
    return { problem: 'The webhook URL must name a host.' };
  }
  return { url: parsed };
}

interface Range {
  base: bigint;
  bits: number;
  total: number;
  why: string;
}

function inRange(value: bigint, r: Range): boolean {
  const shift = BigInt(r.total - r.bits);
  return value >> shift === r.base >> shift;
}

/** A dotted-quad IPv4 address (already validated by `isIP`) as a 32-bit number. */
function ipv4Value(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** An IPv6 address (already validated by `isIP`, zone removed) as a 128-bit number. */
function ipv6Value(address: string): bigint {
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    const pieces = part.split(':');
    const last = pieces.at(-1) ?? '';
    // RFC 4291 section 2.2 allows the low 32 bits to be written as a dotted quad.
    if (last.includes('.')) {
      const v4 = Number(ipv4Value(last));
      pieces.splice(-1, 1, (v4 >>> 16).toString(16), (v4 & 0xffff).toString(16));
    }
    return pieces.map((piece) => parseInt(piece, 16));
  };
  const [head = '', tail] = address.split('::');
  const high = groupsOf(head);
  const low = tail === undefined ? [] : groupsOf(tail);
  const groups = [...high, ...Array<number>(8 - high.length - low.length).fill(0), ...low];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
}

function v4(cidr: string, why: string): Range {
  const [base = '', bits = ''] = cidr.split('/');
  return { base: ipv4Value(base), bits: Number(bits), total: 32, why };
}

function v6(cidr: string, why = ''): Range {
  const [base = '', bits = ''] = cidr.split('/');
  return { base: ipv6Value(base), bits: Number(bits), total: 128, why };
}

// Every IPv4 block RFC 6890 (and its updates) marks as not globally reachable, plus multicast:
// a webhook to any of them reaches the service's own host, its network, or nothing useful.
const IPV4_RANGES = [
  v4('0.0.0.0/8', 'an unspecified "this network" address (RFC 1122)'),
  v4('10.0.0.0/8', 'a private address (RFC 1918)'),
  v4('100.64.0.0/10', 'a carrier-grade NAT shared address (RFC 6598)'),
  v4('127.0.0.0/8', 'a loopback address (RFC 1122)'),
  // Cloud metadata endpoints (169.254.169.254) live here: the most valuable SSRF target.
  v4('169.254.0.0/16', 'a link-local address (RFC 3927)'),
  v4('172.16.0.0/12', 'a private address (RFC 1918)'),
  v4('192.0.0.0/24', 'an IETF protocol assignment (RFC 6890)'),
  v4('192.0.2.0/24', 'a documentation address (RFC 5737)'),
  v4('192.168.0.0/16', 'a private address (RFC 1918)'),
  v4('198.18.0.0/15', 'a benchmarking address (RFC 2544)'),
  v4('198.51.100.0/24', 'a documentation address (RFC 5737)'),
  v4('203.0.113.0/24', 'a documentation address (RFC 5737)'),
  v4('224.0.0.0/4', 'a multicast address (RFC 5771)'),
  // Also covers the limited broadcast address 255.255.255.255 (RFC 919).
  v4('240.0.0.0/4', 'a reserved or broadcast address (RFC 1112, RFC 919)'),
];

// The IPv6 counterparts from RFC 6890 and later registries. Forms that embed an IPv4 address are
// handled before this table: they reach whatever the IPv4 address reaches.
// Judged before the IPv4-compatible form below, which would otherwise swallow them.
const IPV6_UNSPECIFIED_AND_LOOPBACK = [
  v6('::/128', 'the unspecified address (RFC 4291)'),
  v6('::1/128', 'the loopback address (RFC 4291)'),
];

const IPV6_RANGES = [
  // Local-use NAT64 prefixes translate into the operator's own IPv4 network.
  v6('64:ff9b:1::/48', 'a local-use NAT64 address (RFC 8215)'),
  v6('100::/64', 'a discard-only address (RFC 6666)'),
  // Includes Teredo (2001::/32), whose obfuscated embedded IPv4 client address cannot be judged.
  v6('2001::/23', 'an IETF protocol assignment (RFC 6890)'),
  v6('2001:db8::/32', 'a documentation address (RFC 3849)'),
  v6('3fff::/20', 'a documentation address (RFC 9637)'),
  v6('fc00::/7', 'a unique-local address (RFC 4193)'),
  v6('fe80::/10', 'a link-local address (RFC 4291)'),
  // Deprecated by RFC 3879 but still routed inside some sites.
  v6('fec0::/10', 'a site-local address (RFC 3879)'),
  v6('ff00::/8', 'a multicast address (RFC 4291)'),
];

// Translation and tunnelling forms that carry an IPv4 address: a connection to one of them ends
// at that IPv4 address (directly, through a NAT64 gateway or a 6to4 relay), so it is judged.
const EMBEDDING = [
  { range: v6('::ffff:0:0/96'), form: 'an IPv4-mapped address (RFC 4291)', shift: 0n },
  // SIIT's IPv4-translated form, reached through a stateless translator.
  { range: v6('::ffff:0:0:0/96'), form: 'an IPv4-translated address (RFC 2765)', shift: 0n },
  { range: v6('64:ff9b::/96'), form: 'a NAT64 address (RFC 6052)', shift: 0n },
  { range: v6('2002::/16'), form: 'a 6to4 address (RFC 3056)', shift: 80n },
  // The deprecated IPv4-compatible form (RFC 4291 section 2.5.5.1).
  { range: v6('::/96'), form: 'an IPv4-compatible address (RFC 4291)', shift: 0n },
];

function ipv4Reason(value: bigint): string | undefined {
  return IPV4_RANGES.find((r) => inRange(value, r))?.why;
}

/**
 * Why an address is not public, or undefined when it is. Anything that is not an IP literal
 * has a reason too: an unparseable address must never pass as public.
 */
function nonPublicReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return ipv4Reason(ipv4Value(address));
  if (family !== 6) return 'not an IP address';
  // A zone index (fe80::1%eth0) only scopes a link-local address; the address decides.
  const value = ipv6Value(address.split('%')[0] ?? '');
  const special = IPV6_UNSPECIFIED_AND_LOOPBACK.find((r) => inRange(value, r));
  if (special) return special.why;
  for (const { range: r, form, shift } of EMBEDDING) {
    if (!inRange(value, r)) continue;
    const embedded = (value >> shift) & 0xffffffffn;
    const why = ipv4Reason(embedded);
    return why === undefined ? undefined : `${form} of ${ipv4Text(embedded)}, ${why}`;
  }
  return IPV6_RANGES.find((r) => inRange(value, r))?.why;
}

/**
 * Whether a webhook may be delivered to this IPv4 or IPv6 literal: false for every address that
 * reaches the service's own host or internal networks, and for anything that is not an address.
 */
export function isPublicAddress(address: string): boolean {
  return nonPublicReason(address) === undefined;
}

function refusal(hostname: string, address: string): TargetProblem {
  const why = nonPublicReason(address) ?? 'not a public address';
  const where =
    hostname === address
      ? `The webhook target ${address}`
      : `The webhook host ${hostname} resolves to ${address}, which`;
  return `${where} is ${why}; ${ALLOW_HINT}.`;
}

const defaultLookup = (hostname: string): Promise<TargetAddress[]> =>
  dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Resolves a checked webhook URL and judges every address it resolves to. Run when a
 * subscription is saved and again before each delivery, because DNS answers change.
 *
 * Every address is judged, not only the first: the HTTP client may try any of them (Happy
 * Eyeballs), and a host with one public and one private record is a rebinding setup.
 */
export async function resolveWebhookTarget(
  url: URL,
  options: { allowPrivate: boolean; lookup?: (hostname: string) => Promise<TargetAddress[]> },
): Promise<{ addresses: TargetAddress[] } | { problem: TargetProblem }> {
  // URL keeps IPv6 literals in brackets; a literal is its own answer and cannot be rebound.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(hostname);
  let addresses: TargetAddress[];
  if (literal !== 0) {
    addresses = [{ address: hostname, family: literal }];
  } else {
    try {
      addresses = await (options.lookup ?? defaultLookup)(hostname);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      return {
        problem: `The webhook host ${hostname} could not be resolved${code === undefined ? '' : ` (${code})`}; check the host name in the URL.`,
      };
    }
    if (addresses.length === 0) {
      return { problem: `The webhook host ${hostname} resolves to no address; check the host name in the URL.` };
    }
  }
  if (!options.allowPrivate) {
    const forbidden = addresses.find((a) => !isPublicAddress(a.address));
    if (forbidden) return { problem: refusal(hostname, forbidden.address) };
  }
  return { addresses };
}

/**
 * A `lookup` for `http.request` / `http.Agent` that judges the addresses the socket will
 * actually connect to. Checking in resolveWebhookTarget and then letting the client resolve again
 * leaves a window in which a short-TTL DNS record can switch to an internal address (DNS
 * rebinding); judging inside the connect path closes it.
 *
 * Node does not call `lookup` for IP-literal hosts, so those must be judged by
 * resolveWebhookTarget before delivery (a literal cannot change between check and connect).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    // Resolve all addresses whatever the caller asked for, so that none slips through unjudged.
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, options.all === true ? [] : '');
        return;
      }
      if (!allowPrivate) {
        const forbidden = addresses.find((a) => !isPublicAddress(a.address));
        if (forbidden) {
          const refused: NodeJS.ErrnoException = new Error(refusal(hostname, forbidden.address));
          refused.code = 'ERR_WEBHOOK_TARGET_FORBIDDEN';
          callback(refused, options.all === true ? [] : '');
          return;
        }
      }
      if (options.all === true) {
        callback(null, addresses);
        return;
      }
      const first = addresses[0];
      if (first === undefined) {
        const empty: NodeJS.ErrnoException = new Error(`The webhook host ${hostname} resolves to no address.`);
        empty.code = 'ENOTFOUND';
        callback(empty, '');
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}
