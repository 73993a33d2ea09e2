// Which addresses the platform may connect to on its own initiative (docs/security.md#egress).
import { BlockList, isIP } from 'node:net';

export type IpFamily = 'ipv4' | 'ipv6';

/** One `address/prefix` range; a bare address is a range of one (/32 or /128). */
export interface Cidr {
  address: string;
  prefix: number;
  family: IpFamily;
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a bare address; throws with a readable message otherwise. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const match = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(trimmed);
  const version = match ? isIP(match[1]) : 0;
  if (!match || version === 0) throw new Error(`"${trimmed}" is not an IPv4 or IPv6 CIDR`);
  const max = version === 4 ? 32 : 128;
  const prefix = match[2] === undefined ? max : Number(match[2]);
  if (prefix > max) throw new Error(`"${trimmed}": the prefix length must be at most ${max}`);
  return { address: match[1], prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A comma-separated list of CIDRs (spaces allowed); the empty string is the empty list. */
export function parseCidrList(text: string): Cidr[] {
  if (text.trim() === '') return [];
  return text.split(',').map((item) => {
    if (item.trim() === '') throw new Error('the list has an empty entry');
    return parseCidr(item);
  });
}

/** Ranges the platform never connects to unless an administrator allows them. */
export const DENIED_RANGES: readonly { cidr: string; why: string }[] = [
  { cidr: '0.0.0.0/8', why: 'unspecified ("this network")' },
  { cidr: '10.0.0.0/8', why: 'private' },
  { cidr: '100.64.0.0/10', why: 'private (carrier-grade NAT)' },
  { cidr: '127.0.0.0/8', why: 'loopback' },
  { cidr: '169.254.0.0/16', why: 'link-local (cloud metadata)' },
  { cidr: '172.16.0.0/12', why: 'private' },
  { cidr: '192.0.0.0/24', why: 'IETF protocol assignments' },
  { cidr: '192.168.0.0/16', why: 'private' },
  { cidr: '198.18.0.0/15', why: 'benchmarking' },
  { cidr: '224.0.0.0/4', why: 'multicast' },
  { cidr: '240.0.0.0/4', why: 'reserved and broadcast' },
  { cidr: '::/128', why: 'unspecified' },
  { cidr: '::1/128', why: 'loopback' },
  { cidr: '::/96', why: 'IPv4-compatible (deprecated)' },
  { cidr: '64:ff9b:1::/48', why: 'local-use NAT64' },
  { cidr: '100::/64', why: 'discard' },
  { cidr: 'fc00::/7', why: 'unique local (private)' },
  { cidr: 'fe80::/10', why: 'link-local' },
  { cidr: 'fec0::/10', why: 'site-local (deprecated)' },
  { cidr: 'ff00::/8', why: 'multicast' },
];

/** `[::1]` → `::1`, `fe80::1%eth0` → `fe80::1`. */
export function bareAddress(host: string): string {
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = unbracketed.indexOf('%');
  return zone >= 0 && isIP(unbracketed.slice(0, zone)) === 6 ? unbracketed.slice(0, zone) : unbracketed;
}

/** The 16 bytes of an IPv6 address (isIP(address) === 6). */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1].split('.').map(Number);
    text = `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

const v4 = (bytes: number[]) => bytes.join('.');

/**
 * The IPv4 address an IPv6 address stands for, when it carries one that a router would reach:
 * IPv4-mapped (`::ffff:127.0.0.1`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`).
 */
export function embeddedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const b = ipv6Bytes(address);
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(b.slice(12));
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(b.slice(12));
  if (b[0] === 0x20 && b[1] === 0x02) return v4(b.slice(2, 6));
  return undefined;
}

function rangesOf(family: IpFamily) {
  return DENIED_RANGES.map((range) => ({ ...range, list: blockListOf([parseCidr(range.cidr)]) })).filter(
    (range) => parseCidr(range.cidr).family === family,
  );
}

const DENIED_BY_FAMILY = { ipv4: rangesOf('ipv4'), ipv6: rangesOf('ipv6') };

/** Why an address is in a denied range (`loopback`, `private`, …), or undefined when it is not. */
export function deniedRangeOf(address: string): string | undefined {
  const bare = bareAddress(address);
  const version = isIP(bare);
  if (version === 0) return 'not an IP address';
  const embedded = embeddedIpv4(bare);
  if (embedded !== undefined) {
    const inner = deniedRangeOf(embedded);
    return inner === undefined ? undefined : `${inner}, embedded in IPv6`;
  }
  const family: IpFamily = version === 4 ? 'ipv4' : 'ipv6';
  return DENIED_BY_FAMILY[family].find((range) => range.list.check(bare, family))?.why;
}

/** The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`), which connects to it. */
export function mappedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const b = ipv6Bytes(address);
  return b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff ? v4(b.slice(12)) : undefined;
}

/** True when `address` lies in one of `cidrs` (an IPv4-mapped IPv6 address counts as its IPv4 address). */
export function inCidrs(address: string, cidrs: BlockList): boolean {
  const bare = bareAddress(address);
  const version = isIP(bare);
  if (version === 0) return false;
  const mapped = mappedIpv4(bare);
  if (mapped !== undefined) return cidrs.check(mapped, 'ipv4');
  return cidrs.check(bare, version === 4 ? 'ipv4' : 'ipv6');
}

export function blockListOf(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return list;
}
