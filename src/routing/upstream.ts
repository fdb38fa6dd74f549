/**
 * URL arithmetic between the public side and an origin: the upstream URL for a request, the
 * cache key, and the public URL for an origin's `Location`. URLs are built as parsed URL objects
 * from the canonical path, and checked: a URL whose parsed pathname is not the path meant is
 * refused (null), so no later parser can read it differently.
 */
import type { CompiledOrigin, CompiledRoute } from '../table/types.ts';

/**
 * The path below the route prefix when `strip_prefix` is on, else the whole path.
 * @example forwardPath({ path: '/api', stripPrefix: true }, '/api/x') // '/x'
 */
export function forwardPath(route: Pick<CompiledRoute, 'path' | 'stripPrefix'>, path: string): string {
  if (!route.stripPrefix || route.path === '/') return path;
  return path.slice(route.path.length);
}

/**
 * `base` + `path` + `search` as a parsed URL, or null when the parsed pathname is not exactly
 * `path` (the parser would have resolved, re-encoded or dropped something).
 * @example exactUrl('https://o.example', '/v2/x', '?q=1')?.href // 'https://o.example/v2/x?q=1'
 */
export function exactUrl(base: string, path: string, search: string): URL | null {
  let url: URL;
  try {
    url = new URL(`${base}${path}${search}`);
  } catch {
    return null;
  }
  return url.pathname === path ? url : null;
}

/**
 * Upstream URL: origin base path + path (minus the prefix with strip_prefix) + query as sent;
 * null when the URL would not carry exactly that path.
 * @example upstreamUrl(route, { origin: 'https://o.example', basePath: '/v2' }, '/api/x', '?q=1')?.href // 'https://o.example/v2/x?q=1'
 */
export function upstreamUrl(
  route: Pick<CompiledRoute, 'path' | 'stripPrefix'>,
  origin: CompiledOrigin,
  path: string,
  search: string,
): URL | null {
  return exactUrl(origin.origin, origin.basePath + forwardPath(route, path) || '/', search);
}

/**
 * Maps a `Location` that points at the origin back to the public host and prefix; other
 * locations (relative, or to third parties) are returned unchanged.
 * @example publicLocation('https://o.example/v2/next', route, origin, 'https://api.example.com') // 'https://api.example.com/api/next'
 */
export function publicLocation(
  location: string,
  route: Pick<CompiledRoute, 'path' | 'stripPrefix'>,
  origin: CompiledOrigin,
  publicOrigin: string,
): string {
  // Absolute, or scheme-relative (`//origin.host/x`, which names a host just as well).
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(location) || location.startsWith('//');
  if (!absolute && !location.startsWith('/')) return location;
  let target: URL;
  try {
    target = new URL(location, `${origin.origin}/`);
  } catch {
    return location;
  }
  if (target.origin !== origin.origin) return location;
  let path = target.pathname;
  if (origin.basePath) {
    if (path !== origin.basePath && !path.startsWith(`${origin.basePath}/`)) return location;
    path = path.slice(origin.basePath.length) || '/';
  }
  const prefix = route.stripPrefix && route.path !== '/' ? route.path : '';
  const publicPath = `${prefix}${path === '/' && prefix ? '/' : path}${target.search}${target.hash}`;
  // The parser resolves `/.//x`, `/a/..//x` and `/\x` to a path that starts with `//`, which a
  // browser reads as another host: such a path is only ever sent with the public origin before it.
  return absolute || publicPath.startsWith('//') ? `${publicOrigin}${publicPath}` : publicPath;
}
