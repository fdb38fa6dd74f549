/**
 * Method allow-list: a route with `methods` answers others with 405 and an `Allow` header.
 */
import type { Exchange } from '../exchange.ts';
import { jsonError } from './errors.ts';

/** @example methods(x) // 405 with Allow: GET, HEAD for a DELETE on a GET-only route */
export function methods(x: Exchange): Response | undefined {
  const allowed = x.matched?.methods;
  if (!allowed || allowed.includes(x.method)) return undefined;
  return jsonError(x, 405, 'method_not_allowed', `${x.method} is not allowed here`, {
    allow: x.matched?.allow ?? '',
  });
}
