/**
 * IP address checks without `node:net` (the model is pure and runs anywhere).
 *
 * IPv4 is strict dotted-quad without leading zeros (as Kubernetes validates since 1.20s).
 * IPv6 is RFC 4291 text with an optional embedded IPv4 tail; it is written back in the
 * RFC 5952 canonical form so that `2001:DB8:0::1` and `2001:db8::1` normalise alike.
 */

const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(value: string): number[] | undefined {
  const halves = value.split('::');
  if (halves.length > 2) return undefined;
  const parseSide = (side: string, allowIPv4Tail: boolean): number[] | undefined => {
    if (side === '') return [];
    const parts = side.split(':');
    const groups: number[] = [];
    for (const [index, part] of parts.entries()) {
      if (allowIPv4Tail && index === parts.length - 1 && part.includes('.')) {
        if (!isIPv4(part)) return undefined;
        const [a, b, c, d] = part.split('.').map(Number);
        groups.push((a << 8) | b, (c << 8) | d);
      } else if (HEX_GROUP.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  if (halves.length === 1) {
    const groups = parseSide(value, true);
    return groups?.length === 8 ? groups : undefined;
  }
  const head = parseSide(halves[0], false);
  const tail = parseSide(halves[1], true);
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

export function isIPv6(value: string): boolean {
  // Every IPv6 text has a colon; host names (asked for every destination) are turned away without parsing.
  return value.includes(':') && ipv6Groups(value) !== undefined;
}

export function isIP(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

/** RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`. */
function formatIPv6(groups: number[]): string {
  const isV4Mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isV4Mapped) return `::ffff:${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** The canonical text of a valid IP address (IPv4 unchanged, IPv6 per RFC 5952); undefined when invalid. */
export function canonicalIP(value: string): string | undefined {
  if (isIPv4(value)) return value;
  const groups = ipv6Groups(value);
  return groups ? formatIPv6(groups) : undefined;
}

export function checkIP(value: string): string | undefined {
  return isIP(value) ? undefined : 'must be a valid IPv4 or IPv6 address';
}

export interface Cidr {
  /** The network address, canonical (host bits cleared). */
  address: string;
  prefixLength: number;
  family: 4 | 6;
}

const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

/** Clears the bits after `prefixLength` in a list of fixed-width groups. */
function maskGroups(groups: number[], bitsPerGroup: number, prefixLength: number): number[] {
  return groups.map((group, index) => {
    const kept = Math.min(Math.max(prefixLength - index * bitsPerGroup, 0), bitsPerGroup);
    const mask = kept === 0 ? 0 : ((1 << bitsPerGroup) - 1) ^ ((1 << (bitsPerGroup - kept)) - 1);
    return group & mask;
  });
}

/**
 * A CIDR such as `10.0.0.0/8` or `2001:db8::/32`, as Go's `net.ParseCIDR` reads it (host bits
 * may be set; they are cleared here), or undefined when it is not one.
 */
export function parseCidr(value: string): Cidr | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const ip = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!PREFIX_LENGTH.test(prefix)) return undefined;
  const prefixLength = Number(prefix);
  if (isIPv4(ip)) {
    if (prefixLength > 32) return undefined;
    const octets = maskGroups(ip.split('.').map(Number), 8, prefixLength);
    return { address: octets.join('.'), prefixLength, family: 4 };
  }
  const groups = ipv6Groups(ip);
  if (!groups || prefixLength > 128) return undefined;
  return { address: formatIPv6(maskGroups(groups, 16, prefixLength)), prefixLength, family: 6 };
}

/** `address/prefix` with the network address in canonical form: `10.1.2.3/8` → `10.0.0.0/8`. */
export function canonicalCidr(value: string): string | undefined {
  const cidr = parseCidr(value);
  return cidr && `${cidr.address}/${cidr.prefixLength}`;
}

export function checkCidr(value: string): string | undefined {
  return parseCidr(value) === undefined ? `must be a CIDR such as "10.0.0.0/8" or "2001:db8::/32" (got ${JSON.stringify(value)})` : undefined;
}
