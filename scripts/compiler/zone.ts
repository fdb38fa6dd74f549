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
 * Cloudflare's shared domains (private entries of the Public Suffix List, which tldts reads as
 * ordinary names under `.dev`): `x.workers.dev` would pass as a zone `workers.dev`, and the
 * deploy fail when Cloudflare refuses the custom domain.
 */
const CLOUDFLARE_OWNED = ['workers.dev', 'pages.dev'];

/**
 * True when anyone can register a name directly under `hostname`: a public suffix of the Public
 * Suffix List, ICANN's (`com`, `co.uk`) or a private one (`github.io`, `workers.dev`). A CORS
 * wildcard over one (`https://*.github.io`) admits strangers' sites.
 * @example isPublicSuffix('github.io') // true
 * @example isPublicSuffix('example.com') // false
 */
export function isPublicSuffix(hostname: string): boolean {
  if (CLOUDFLARE_OWNED.includes(hostname)) return true;
  const info = parse(hostname, { allowPrivateDomains: true });
  return !info.isIp && (info.isIcann === true || info.isPrivate === true) && info.domain === null;
}

/**
 * The zone of a hostname (for a wildcard host, pass the part after `*.`).
 * @example zoneOf('api.example.co.uk') // { kind: 'zone', zone: 'example.co.uk' }
 * @example zoneOf('co.uk') // { kind: 'public-suffix', ... }
 */
export function zoneOf(hostname: string): ZoneAnswer {
  const owned = CLOUDFLARE_OWNED.find((domain) => hostname === domain || hostname.endsWith(`.${domain}`));
  if (owned !== undefined) {
    const use =
      owned === 'workers.dev'
        ? 'a Worker gets its own name there (workers_dev in wrangler.toml)'
        : 'it serves Pages projects';
    return {
      kind: 'public-suffix',
      reason: `${owned} is Cloudflare's own domain, which no account can route: ${use}`,
    };
  }
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
