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
  // The target is split once per route, not per request.
  const target = splitTarget(rule.to);
  return (x) => {
    const location = rule.keepPath ? joinTarget(target, forwardPath(below, x.path), x.search) : rule.to;
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
  return joinTarget(splitTarget(to), rest, search);
}

interface Target {
  /** Scheme, host and path, without query or fragment. */
  base: string;
  /** The target's own query, without `?`, or ''. */
  query: string;
  /** `#...`, or ''. */
  fragment: string;
  /** False for `https://example.com`: the request's path, or `/`, stands in for it. */
  hasPath: boolean;
}

function splitTarget(to: string): Target {
  const hashAt = to.indexOf('#');
  const fragment = hashAt === -1 ? '' : to.slice(hashAt);
  const beforeHash = hashAt === -1 ? to : to.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? '' : beforeHash.slice(queryAt + 1);
  return { base, query, fragment, hasPath: /^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i.test(base) };
}

function joinTarget(target: Target, rest: string, search: string): string {
  const { base, fragment, hasPath } = target;
  const path = rest === '' ? (hasPath ? base : `${base}/`) : `${base.replace(/\/$/, '')}${rest}`;
  const query = [target.query, search.slice(1)].filter((q) => q !== '').join('&');
  return `${path}${query !== '' || search === '?' ? `?${query}` : ''}${fragment}`;
}
