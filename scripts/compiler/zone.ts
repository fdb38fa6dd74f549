/**
 * Which Cloudflare zone a host belongs to, by the Public Suffix List (tldts): the registrable
 * domain, so `*.example.co.uk` lives in zone `example.co.uk`, not `co.uk`.
 */
import { parse } from 'tldts';

export type ZoneAnswer =
  /** A public name: its zone (registrable domain). */
  | { kind: 'zone'; zone: string }
  /** A name that cannot exist on the public internet (localhost, *.test, an IP address). */
  | { kind: 'local'; reason: string }
  /** A public suffix itself (co.uk): nobody owns it, so no zone route can be made for it. */
  | { kind: 'public-suffix'; reason: string };

/**
 * The zone of a hostname (for a wildcard host, pass the part after `*.`).
 * @example zoneOf('api.example.co.uk') // { kind: 'zone', zone: 'example.co.uk' }
 * @example zoneOf('co.uk') // { kind: 'public-suffix', ... }
 */
export function zoneOf(hostname: string): ZoneAnswer {
  const info = parse(hostname);
  if (info.isIp) return { kind: 'local', reason: `${hostname} is an IP address` };
  if (!info.isIcann) {
    return { kind: 'local', reason: `${hostname} is not under a public top-level domain` };
  }
  if (!info.domain) {
    return { kind: 'public-suffix', reason: `${hostname} is a public suffix: nobody can own it as a zone` };
  }
  return { kind: 'zone', zone: info.domain };
}
