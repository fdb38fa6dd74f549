/**
 * Method allow-list: a route with `methods` answers others with 405 and an `Allow` header.
 * TRACE, TRACK and CONNECT are refused on every route: a proxy has no business relaying them
 * (TRACE echoes the request, cookies included, and CONNECT asks for a tunnel).
 */
import type { CompiledRoute } from '../table/types.ts';
import { jsonError } from './answer.ts';
import type { StageFactory } from './stage.ts';

const NEVER = new Set(['TRACE', 'TRACK', 'CONNECT']);

/**
 * The methods a method override header's value names, upper-cased: every item of a
 * comma-separated list (Express's method-override takes the first of a list, and two header
 * lines arrive joined by a comma), spaces around each dropped.
 * @example namedMethods(' get, Trace,') // ['GET', 'TRACE']
 */
export function namedMethods(value: string): string[] {
  const named: string[] = [];
  for (const item of value.split(',')) if (item.trim()) named.push(item.trim().toUpperCase());
  return named;
}

/**
 * True when a method override header's value names a method no route relays, in any spelling.
 * @example neverRelayed('get, Trace') // true
 */
export function neverRelayed(value: string): boolean {
  return namedMethods(value).some((method) => NEVER.has(method));
}

/**
 * The one method decision, shared by the Worker and `explain`.
 * @example methodAllowed(route, 'DELETE') // false on a route with methods: [GET]
 */
export function methodAllowed(route: CompiledRoute, method: string): boolean {
  return !NEVER.has(method) && (route.methods === null || route.methods.includes(method));
}

/** @example methods(route) // a stage answering 405 with Allow: GET, HEAD for a DELETE on a GET-only route */
export const methods: StageFactory = (route) => (x, next) =>
  methodAllowed(route, x.method)
    ? next(x)
    : jsonError(x, 'methods', 405, 'method_not_allowed', `${x.method} is not allowed here`, {
        allow: route.allow,
      });
