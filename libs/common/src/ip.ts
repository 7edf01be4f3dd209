import { isIP } from 'node:net';
import * as ipaddr from 'ipaddr.js';

/** An IP address or CIDR range as an inclusive span of integers, one family at a time. */
export interface IpSpan {
  family: 4 | 6;
  /** First and last address of the span. */
  start: bigint;
  end: bigint;
  prefix: number;
  /** Canonical text: the network address with its prefix (`10.0.0.0/8`, `1.2.3.4/32`). */
  readonly cidr: string;
}

/**
 * The canonical text is worked out when first read: a bouncer's lookup never reads it, and
 * formatting an IPv6 address (RFC 5952) cost more than the lookup itself.
 */
class Span implements IpSpan {
  constructor(
    readonly family: 4 | 6,
    readonly start: bigint,
    readonly end: bigint,
    readonly prefix: number,
    private text?: string,
  ) {}

  get cidr(): string {
    return (this.text ??= `${spanAddress(this.family, this.start)}/${this.prefix}`);
  }
}

/** The address as one integer, built from 32-bit words: four BigInt steps for IPv6, not sixteen. */
function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  if (addr instanceof ipaddr.IPv4) {
    const [a, b, c, d] = addr.octets;
    return BigInt(a * 2 ** 24 + (b << 16) + (c << 8) + d);
  }
  const p = addr.parts;
  const word = (i: number) => BigInt(p[i] * 65536 + p[i + 1]);
  return (word(0) << 96n) | (word(2) << 64n) | (word(4) << 32n) | word(6);
}

function span(addr: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): IpSpan {
  const family = addr.kind() === 'ipv4' ? 4 : 6;
  const bits = family === 4 ? 32 : 128;
  const value = toBigInt(addr);
  const hostBits = BigInt(bits - prefix);
  const start = (value >> hostBits) << hostBits;
  const end = start | ((1n << hostBits) - 1n);
  return new Span(family, start, end, prefix);
}

/** The text form of an address held as an integer. */
export function spanAddress(family: 4 | 6, n: bigint): string {
  const len = family === 4 ? 4 : 16;
  const bytes: number[] = new Array(len);
  for (let i = len - 1; i >= 0; i--) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * net.isIP is strict (no "127.1" or octal forms) and says the family, so ipaddr.js parses the text
 * once with that family's parser (its generic parse() validates, then parses again).
 */
function parseFamily(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const family = isIP(text);
  if (family === 4) return ipaddr.IPv4.parse(text);
  if (family === 6) return ipaddr.IPv6.parse(text);
  return undefined;
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const addr = parseFamily(text);
  if (addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress()) return addr.toIPv4Address();
  return addr;
}

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** A single address, as a one-address span; undefined when not an IP. */
export function parseIp(text: string): IpSpan | undefined {
  // Fast path for the common case (every bouncer lookup): a canonical dotted quad.
  const quad = DOTTED_QUAD.exec(text);
  if (quad) {
    const n = BigInt(((+quad[1] << 24) >>> 0) + (+quad[2] << 16) + (+quad[3] << 8) + +quad[4]);
    return new Span(4, n, n, 32, `${text}/32`);
  }
  const addr = parseAddress(text);
  return addr && span(addr, addr.kind() === 'ipv4' ? 32 : 128);
}

/** A CIDR range (a bare address counts as its /32 or /128); undefined when invalid. */
export function parseCidr(text: string): IpSpan | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return parseIp(text);
  const quad = parseIp(text.slice(0, slash));
  if (quad?.family === 4 && /^(3[0-2]|[12]?\d)$/.test(text.slice(slash + 1))) {
    // IPv4 range (the common case): mask the address, no library round trip.
    const prefix = Number(text.slice(slash + 1));
    const host = BigInt(32 - prefix);
    const start = (quad.start >> host) << host;
    return new Span(4, start, start | ((1n << host) - 1n), prefix);
  }
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  let prefix = Number(prefixText);
  const addrText = text.slice(0, slash);
  const raw = parseFamily(addrText);
  if (!raw) return undefined;
  const max = raw.kind() === 'ipv4' ? 32 : 128;
  if (prefix > max) return undefined;
  const addr = parseAddress(addrText)!;
  if (raw.kind() === 'ipv6' && addr.kind() === 'ipv4') {
    if (prefix < 96) return undefined;
    prefix -= 96;
  }
  return span(addr, prefix);
}

/** True when `inner` lies wholly inside `outer`. */
export function spanContains(outer: IpSpan, inner: IpSpan): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}
