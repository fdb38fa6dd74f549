/**
 * Aliases on a shared origin: a route whose requests reach the origin path another route serves
 * with guards the first does not apply (access rules, max_body, rate limits). With
 * `strip_prefix`, route `/api` forwards `/api/admin/x` to `/admin/x` on its origin; if route
 * `/admin` guards that path with an allow list, the request through `/api` skips it. The same
 * happens with base paths, and across hosts that share an origin. The router does what the table
 * says, so this is a warning for the reviewer, not an error: one backend serving an open site and
 * a guarded API is common, and sometimes meant.
 */
import { inCidr } from '../../src/pipeline/ip.ts';
import { normalizeHost } from '../../src/routing/host.ts';
import { createResolver, type Resolver } from '../../src/routing/resolve.ts';
import type { CompiledCidr, CompiledOrigin, CompiledRoute, CompiledTable } from '../../src/table/types.ts';
import type { Reporter } from './compile.ts';

/**
 * Reports each route that opens such a detour (the first one found), on the route, naming the
 * public path, the guarded route and the rules skipped.
 * @example findAliases(compileConfig(config), report)
 */
export function findAliases(table: CompiledTable, report: Reporter): void {
  const guards = indexGuards(table.routes);
  if (guards.size === 0) return;
  const resolver = createResolver(table);
  for (const [index, route] of table.routes.entries()) {
    const detour = firstDetour(route, guards, resolver);
    if (!detour) continue;
    const { publicPath, upstreamPath, origin, target, skipped } = detour;
    report(
      ['routes', index],
      `route "${route.id}" forwards ${publicPath} to ${upstreamPath} on ${origin}, which route "${target.id}" serves with ${listed(skipped)} that "${route.id}" does not apply: requests through "${route.id}" skip them. Give "${route.id}" the same rules, add a route for ${publicPath} with them, or use separate origins`,
      'warning',
    );
  }
}

interface Detour {
  publicPath: string;
  upstreamPath: string;
  origin: string;
  target: CompiledRoute;
  skipped: string[];
}

/**
 * Guarded routes by origin server, then by the origin path they guard (sorted, for ranges). A
 * route is compared only with the guards on the paths it reaches, so a table of 5,000 tenants,
 * each with its own allow list on its own base path, is 5,000 lookups, not 25 million.
 */
type Guards = Map<string, GuardedPaths>;

interface GuardedPaths {
  byPath: Map<string, Guard[]>;
  paths: string[];
}

interface Guard {
  route: CompiledRoute;
  origin: CompiledOrigin;
  /** The route's guards as a key: what a route skips depends on these only. */
  rules: string;
}

/**
 * Every route with a guard, under each origin it forwards to. Routes alike in origin path and
 * rules are kept once: 10,000 routes with one rate limit are one guard to compare with.
 */
function indexGuards(routes: CompiledRoute[]): Guards {
  const guards: Guards = new Map();
  const seen = new Set<string>();
  for (const route of routes) {
    if (!guarded(route)) continue;
    for (const origin of route.origins) {
      const [server, path] = [serverOf(origin.origin), namespace(route, origin)];
      const rules = JSON.stringify([route.access, route.maxBody, route.rateLimits.map(counted)]);
      const key = JSON.stringify([server, path, rules]);
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = guards.get(server) ?? { byPath: new Map(), paths: [] };
      guards.set(server, entry);
      entry.byPath.set(path, [...(entry.byPath.get(path) ?? []), { route, origin, rules }]);
    }
  }
  for (const entry of guards.values()) entry.paths = [...entry.byPath.keys()].sort();
  return guards;
}

/** The first guarded route whose origin path `route` reaches on a public path it serves. */
function firstDetour(route: CompiledRoute, guards: Guards, resolver: Resolver): Detour | null {
  // What this route skips depends on the rules only: once per set of rules, not per guard.
  const skips = new Map<string, string[]>();
  for (const from of route.origins) {
    const reach = namespace(route, from);
    const entry = guards.get(serverOf(from.origin));
    if (!entry) continue;
    for (const path of overlapping(reach, entry.paths, entry.byPath)) {
      for (const guard of entry.byPath.get(path) ?? []) {
        if (guard.route.id === route.id) continue;
        const skipped = skips.get(guard.rules) ?? looser(route, guard.route);
        skips.set(guard.rules, skipped);
        if (skipped.length === 0) continue;
        const overlap = path.length > reach.length ? path : reach;
        const detour = detourTo(route, from, guard, overlap, skipped, resolver);
        if (detour) return detour;
      }
    }
  }
  return null;
}

/** The guarded origin paths that overlap `reach`: itself and those above it, then those below. */
function overlapping(reach: string, paths: string[], byPath: Map<string, Guard[]>): string[] {
  const found: string[] = [];
  for (let path = reach; ; path = path.slice(0, path.lastIndexOf('/'))) {
    if (byPath.has(path)) found.push(path);
    if (path === '') break;
  }
  const below = `${reach}/`;
  let low = 0;
  let high = paths.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((paths[mid] as string) < below) low = mid + 1;
    else high = mid;
  }
  for (let i = low; i < paths.length && (paths[i] as string).startsWith(below); i++)
    found.push(paths[i] as string);
  return found;
}

/**
 * A detour when, at the origin path `overlap`, `route` serves the public path that leads there
 * and the guarded route serves its own (`skipped`: the guards `route` applies less strictly).
 */
function detourTo(
  route: CompiledRoute,
  from: CompiledOrigin,
  { route: target, origin: to }: Guard,
  overlap: string,
  skipped: string[],
  resolver: Resolver,
): Detour | null {
  const publicPath = `${stripped(route)}${overlap.slice(from.basePath.length)}` || '/';
  const guardedPath = `${stripped(target)}${overlap.slice(to.basePath.length)}` || '/';
  if (!servedBy(route, publicPath, resolver) || !servedBy(target, guardedPath, resolver)) return null;
  return { publicPath, upstreamPath: overlap || '/', origin: from.origin, target, skipped };
}

/** An origin server: host (lower-case, no trailing dot) and a port other than the scheme's. */
function serverOf(origin: string): string {
  const url = new URL(origin);
  const host = normalizeHost(url.hostname);
  return url.port ? `${host}:${url.port}` : host;
}

/** The origin path under which a route's requests land: base path, then its prefix unless stripped. */
function namespace(route: CompiledRoute, origin: CompiledOrigin): string {
  return `${origin.basePath}${stripped(route) === '' && route.path !== '/' ? route.path : ''}`;
}

/** The public prefix `strip_prefix` removes before forwarding, or ''. */
function stripped(route: CompiledRoute): string {
  return route.stripPrefix && route.path !== '/' ? route.path : '';
}

/** True when some host of the route routes `path` to the route itself (not to a closer one). */
function servedBy(route: CompiledRoute, path: string, resolver: Resolver): boolean {
  return route.hosts.some((host) => {
    const name = host.startsWith('*.') ? `alias-check.${host.slice(2)}` : host;
    return resolver.resolve(name, path)?.route.id === route.id;
  });
}

function guarded(route: CompiledRoute): boolean {
  return route.access !== null || route.maxBody !== null || route.rateLimits.length > 0;
}

/**
 * The guards of `target` that `route` applies less strictly, as routes.yaml names them. `methods`
 * is left out: it mostly shapes a route (a read-only mirror of an origin that another route
 * serves whole, as in the README's tutorial), and a warning for each would be noise.
 */
function looser(route: CompiledRoute, target: CompiledRoute): string[] {
  const skipped: string[] = [];
  if (target.access && !(route.access && narrower(route.access, target.access))) skipped.push('access');
  if (target.maxBody !== null && (route.maxBody === null || route.maxBody > target.maxBody))
    skipped.push('max_body');
  const limits = route.rateLimits.map(counted);
  const stricter = (want: Counted) =>
    limits.some(
      (have) =>
        have.key === want.key &&
        have.ipv6Prefix <= want.ipv6Prefix &&
        have.limit <= want.limit &&
        have.period >= want.period,
    );
  if (!target.rateLimits.map(counted).every(stricter)) skipped.push('rate_limit');
  return skipped;
}

type Access = NonNullable<CompiledRoute['access']>;

/** True when every address `mine` lets in, `theirs` lets in too. */
function narrower(mine: Access, theirs: Access): boolean {
  const allowOk =
    theirs.allow.length === 0 ||
    (mine.allow.length > 0 && mine.allow.every((a) => theirs.allow.some((b) => within(a, b))));
  // Each address they refuse, refused here too (or never let in: outside every allow here).
  const denyOk = theirs.deny.every(
    (d) =>
      mine.deny.some((c) => within(d, c)) ||
      (mine.allow.length > 0 && !mine.allow.some((a) => within(a, d) || within(d, a))),
  );
  return allowOk && denyOk;
}

/** True when CIDR `a` lies inside CIDR `b`. */
function within(a: CompiledCidr, b: CompiledCidr): boolean {
  return a.bits >= b.bits && inCidr(a.words, b.words, b.bits);
}

type Counted = ReturnType<typeof counted>;

/** What a limit counts and how much, without its binding (named after the route). */
function counted(limit: CompiledRoute['rateLimits'][number]) {
  const key = limit.key.kind === 'ip' ? 'ip' : `header:${limit.key.name}`;
  return { key, ipv6Prefix: limit.ipv6Prefix, limit: limit.limit, period: limit.period };
}

/** `a`, `a and b`, `a, b and c`. */
function listed(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
