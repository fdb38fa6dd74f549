/**
 * Method allow-list: a route with `methods` answers other methods with 405 and an `Allow` header,
 * and so it does a request whose `_method` query parameter names one
 * (src/pipeline/method-overrides.ts). TRACE, TRACK and CONNECT are refused on every route, named
 * either way: a proxy has no business relaying them (TRACE echoes the request, cookies included,
 * and CONNECT asks for a tunnel).
 */
import type { CompiledRoute } from '../table/types.ts';
import { jsonError } from './answer.ts';
import { namedMethods, queryMethodOverrides } from './method-overrides.ts';
import type { StageFactory } from './stage.ts';

const NEVER = new Set(['TRACE', 'TRACK', 'CONNECT']);

/**
 * True when a method override header's value names a method no route relays, in any spelling.
 * @example neverRelayed('get, Trace') // true
 */
export function neverRelayed(value: string): boolean {
  return namedMethods(value).some((method) => NEVER.has(method));
}

/**
 * Whether a route relays a method.
 * @example methodAllowed(route, 'DELETE') // false on a route with methods: [GET]
 */
export function methodAllowed(route: CompiledRoute, method: string): boolean {
  return !NEVER.has(method) && (route.methods === null || route.methods.includes(method));
}

/**
 * The one method decision, shared by the Worker and `explain`: what the route refuses in a
 * request, its method or a method its query's `_method` names, or null when it refuses nothing.
 * (Override headers are dropped instead, src/pipeline/request-headers.ts: a query is never
 * rewritten.)
 * @example refusedMethod(route, 'POST', '?_method=DELETE') // '_method=DELETE in the query' on a route with methods: [GET, POST]
 */
export function refusedMethod(route: CompiledRoute, method: string, search: string): string | null {
  if (!methodAllowed(route, method)) return method;
  // No framework runs a GET or HEAD as another method: a link may carry `_method` harmlessly.
  if (method === 'GET' || method === 'HEAD') return null;
  const overridden = queryMethodOverrides(search).find((named) => !methodAllowed(route, named));
  return overridden === undefined ? null : `_method=${overridden} in the query`;
}

/** @example methods(route) // a stage answering 405 with Allow: GET, HEAD for a DELETE on a GET-only route */
export const methods: StageFactory = (route) => (x, next) => {
  const refused = refusedMethod(route, x.method, x.search);
  if (refused === null) return next(x);
  return jsonError(x, 'methods', 405, 'method_not_allowed', `${refused} is not allowed here`, {
    allow: route.allow,
  });
};
