/**
 * IP addresses as four 32-bit words of an IPv6 address, IPv4 mapped into ::ffff:0:0/96, so one
 * comparison serves both families. Used by the access stage at request time and by the
 * compiler for CIDRs.
 */
export type IpWords = [number, number, number, number];

/**
 * Parses an IPv4 or IPv6 address (no zone, no brackets). Returns null when it is not one.
 * @example parseIp('203.0.113.9') // [0, 0, 0xffff, 0xcb007109]
 */
export function parseIp(text: string): IpWords | null {
  if (!text.includes(':')) {
    const v4 = parseV4(text);
    return v4 === null ? null : [0, 0, 0xffff, v4];
  }
  return parseV6(text);
}

// Leading zeros are refused: some parsers read 010 as octal 8, so the rule would be ambiguous.
function parseV4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

function parseV6(text: string): IpWords | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  // An embedded IPv4 (::ffff:192.0.2.1) may only end the whole address.
  const groups = (half: string | undefined, endsAddress: boolean): number[] | null => {
    if (!half) return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (endsAddress && i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseV4(piece);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
        out.push(Number.parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0], halves.length === 1);
  const tail = groups(halves[1], true);
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return [0, 1, 2, 3].map(
    (i) => (((all[2 * i] as number) << 16) | (all[2 * i + 1] as number)) >>> 0,
  ) as IpWords;
}

/** True when `ip` lies inside the network `words`/`bits`. */
export function inCidr(ip: IpWords, words: IpWords, bits: number): boolean {
  for (let i = 0; i < 4; i++) {
    const keep = Math.max(0, Math.min(32, bits - i * 32));
    if (keep === 0) return true;
    const mask = keep === 32 ? 0xffffffff : ~(0xffffffff >>> keep);
    if (((ip[i] as number) & mask) >>> 0 !== words[i]) return false;
  }
  return true;
}

/**
 * The network of `ip` at `bits` (over the 128-bit space), as text: the key under which a rate
 * limit counts an address. IPv4 counts per address; IPv6 per prefix (a /64 by default), since
 * one client holds a whole /64 and could rotate through it.
 * @example networkKey(parseIp('2001:db8::1'), 64) // '2001:db8:0:0::/64'
 */
export function networkKey(ip: IpWords, ipv6Bits: number): string {
  if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0xffff) {
    const v4 = ip[3];
    return [v4 >>> 24, (v4 >>> 16) & 0xff, (v4 >>> 8) & 0xff, v4 & 0xff].join('.');
  }
  const masked = ip.map((word, i) => {
    const keep = Math.max(0, Math.min(32, ipv6Bits - i * 32));
    return keep === 0 ? 0 : (word & (keep === 32 ? 0xffffffff : ~(0xffffffff >>> keep))) >>> 0;
  });
  const groups = masked.flatMap((word) => [(word >>> 16).toString(16), (word & 0xffff).toString(16)]);
  return `${groups.slice(0, Math.ceil(ipv6Bits / 16)).join(':')}::/${ipv6Bits}`;
}
