/**
 * Aliases on a shared origin: a route whose requests reach the origin path another route serves
 * with guards the first does not apply (access rules, max_body, rate limits). With
 * `strip_prefix`, route `/api` forwards `/api/admin/x` to `/admin/x` on its origin; if route
 * `/admin` guards that path with an allow list, the request through `/api` skips it. The same happens with base paths, and across hosts
 * that share an origin. The router does what the table says, so this is a warning for the
 * reviewer, not an error: one backend serving an open site and a guarded API is common, and
 * sometimes meant.
 */
import { createResolver, type Resolver } from '../../src/routing/resolve.ts';
import type { CompiledOrigin, CompiledRoute, CompiledTable } from '../../src/table/types.ts';
import type { Reporter } from './compile.ts';

/**
 * The rules that guard a path, as routes.yaml names them, and how to compare two routes'.
 * `methods` is left out: it mostly shapes a route (a read-only mirror of an origin that another
 * route serves whole, as in the README's tutorial), and a warning for each would be noise.
 */
const PROTECTIONS: ReadonlyArray<[string, (route: CompiledRoute) => unknown]> = [
  ['access', (route) => route.access],
  ['max_body', (route) => route.maxBody],
  // The binding is named after the route: compare what is counted, not where.
  ['rate_limit', (route) => route.rateLimits.map(({ binding: _, ...limit }) => limit)],
];

/**
 * Reports every route that opens such a detour, on the route, naming the path and what it skips.
 * @example findAliases(compileConfig(config), report)
 */
export function findAliases(table: CompiledTable, report: Reporter): void {
  const guarded = distinctGuards(table.routes);
  if (guarded.length === 0) return;
  const resolver = createResolver(table);
  for (const [index, route] of table.routes.entries()) {
    const [first, ...more] = detours(route, guarded, resolver);
    if (!first) continue;
    const { publicPath, upstreamPath, origin, target, skipped } = first;
    const others =
      more.length > 0 ? ` (and ${more.length} more guarded route${more.length > 1 ? 's' : ''})` : '';
    report(
      ['routes', index],
      `route "${route.id}" forwards ${publicPath} to ${upstreamPath} on ${origin}, which route "${target.id}"${others} serves with ${listed(skipped)} that "${route.id}" does not apply: requests through "${route.id}" skip them. Give "${route.id}" the same rules, add a route for ${publicPath} with them, or use separate origins`,
      'warning',
    );
  }
}

/**
 * The guarded routes, one per distinct guard (origin paths and rules): 10,000 routes with the
 * same rate limit on one origin are one guard to compare with, not 10,000.
 */
function distinctGuards(routes: CompiledRoute[]): CompiledRoute[] {
  const seen = new Map<string, CompiledRoute>();
  for (const route of routes) {
    if (route.origins.length === 0 || missing(route, null).length === 0) continue;
    const guard = JSON.stringify([
      route.origins.map((origin) => [origin.origin, namespace(route, origin)]),
      PROTECTIONS.map(([, of]) => of(route)),
    ]);
    if (!seen.has(guard)) seen.set(guard, route);
  }
  return [...seen.values()];
}

interface Detour {
  publicPath: string;
  upstreamPath: string;
  origin: string;
  target: CompiledRoute;
  skipped: string[];
}

/** The guarded routes whose origin path `route` reaches on a public path it serves itself. */
function detours(route: CompiledRoute, guarded: CompiledRoute[], resolver: Resolver): Detour[] {
  return guarded
    .filter((target) => target.id !== route.id)
    .map((target) => detourTo(route, target, resolver))
    .filter((detour): detour is Detour => detour !== null);
}

/** The first origin the two routes share on which `route` reaches what `target` guards, if any. */
function detourTo(route: CompiledRoute, target: CompiledRoute, resolver: Resolver): Detour | null {
  const skipped = missing(target, route);
  if (skipped.length === 0) return null;
  for (const from of route.origins) {
    for (const to of target.origins) {
      if (from.origin !== to.origin) continue;
      // Where the two overlap: the guarded path inside the route's reach, or the reach inside it.
      const [guarded, reach] = [namespace(target, to), namespace(route, from)];
      const overlap = within(guarded, reach) ? guarded : within(reach, guarded) ? reach : null;
      if (overlap === null) continue;
      const publicPath = `${stripped(route)}${overlap.slice(from.basePath.length)}` || '/';
      if (servedBy(route, publicPath, resolver))
        return { publicPath, upstreamPath: overlap || '/', origin: from.origin, target, skipped };
    }
  }
  return null;
}

/** True when `path` is `prefix` or below it, by whole segments ('' is the origin's root). */
function within(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
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

/** The protections `target` has that `route` does not apply alike (all of them when route is null). */
function missing(target: CompiledRoute, route: CompiledRoute | null): string[] {
  return PROTECTIONS.filter(([, of]) => {
    const value = of(target);
    if (value === null || (Array.isArray(value) && value.length === 0)) return false;
    return route === null || JSON.stringify(of(route)) !== JSON.stringify(value);
  }).map(([name]) => name);
}

/** `a`, `a and b`, `a, b and c`. */
function listed(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
