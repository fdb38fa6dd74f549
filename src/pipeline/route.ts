/**
 * Route lookup through the shared resolver; no match is a 404 `no_route`.
 */
import type { Exchange } from '../exchange.ts';
import { createResolver } from '../routing/resolve.ts';
import type { CompiledTable } from '../table/types.ts';
import { jsonError } from './errors.ts';

/**
 * @example const stage = routeLookup(table); stage(x) // sets x.matched, or answers 404
 */
export function routeLookup(table: CompiledTable) {
  const resolve = createResolver(table);
  return (x: Exchange): Response | undefined => {
    const match = resolve(x.host, x.path);
    if (!match) return jsonError(x, 404, 'no_route', `No route for ${x.host}${x.path}`);
    x.matched = match.route;
    return undefined;
  };
}
