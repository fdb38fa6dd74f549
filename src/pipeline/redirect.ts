/**
 * Redirect routes answer at the edge. With `keep_path` (the default) the target gets the path
 * below the route prefix and the request's query; without it, the target exactly as written.
 */
import { forwardPath } from '../routing/upstream.ts';
import { routerAnswer } from './answer.ts';
import type { StageFactory } from './stage.ts';

/** @example redirect(route) // a stage answering 301 Location: https://example.com/a?q=1 for www.example.com/a?q=1 */
export const redirect: StageFactory = (route) => {
  const rule = route.redirect;
  if (!rule) return null;
  const below = { path: route.path, stripPrefix: true };
  return (x) => {
    const location = rule.keepPath ? redirectTarget(rule.to, forwardPath(below, x.path), x.search) : rule.to;
    return routerAnswer('redirect', new Response(null, { status: rule.status, headers: { location } }));
  };
};

/**
 * Joins a redirect target with the rest of the request path and its query. A query already in
 * the target comes first; the request's follows after `&`. A fragment in the target stays last.
 * @example redirectTarget('https://example.com/new', '/a', '?q=1') // 'https://example.com/new/a?q=1'
 * @example redirectTarget('https://example.com/new', '', '') // 'https://example.com/new'
 */
export function redirectTarget(to: string, rest: string, search: string): string {
  const hashAt = to.indexOf('#');
  const fragment = hashAt === -1 ? '' : to.slice(hashAt);
  const beforeHash = hashAt === -1 ? to : to.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const targetQuery = queryAt === -1 ? '' : beforeHash.slice(queryAt + 1);
  // `https://example.com` has no path: the request's path, or `/`, stands in for it.
  const hasPath = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i.test(base);
  const path = rest === '' ? (hasPath ? base : `${base}/`) : `${base.replace(/\/$/, '')}${rest}`;
  const requestQuery = search.slice(1);
  const query = [targetQuery, requestQuery].filter((q) => q !== '').join('&');
  return `${path}${query !== '' || search === '?' ? `?${query}` : ''}${fragment}`;
}
