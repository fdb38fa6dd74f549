/**
 * What the Worker reads from a table: route indexes by host, and routes by index. The compiler's
 * full table (CLI, tests) and the packed table the Worker links at startup (src/table/link.ts)
 * both provide it, so the resolver has one input whatever built the table.
 */
import type { CompiledRoute, CompiledTable } from './types.ts';

export interface RouteTable {
  /** Route indexes of an exact host (lower-case, no port), or undefined. */
  exact(host: string): readonly number[] | undefined;
  /** Route indexes of a wildcard parent (`example.com` for `*.example.com`), or undefined. */
  wildcard(parent: string): readonly number[] | undefined;
  /** The route at an index the two lookups returned. */
  route(index: number): CompiledRoute;
}

/**
 * The route table of a full compiled table.
 * @example routeTableOf(table).exact('api.example.com') // [0]
 */
export function routeTableOf(table: CompiledTable): RouteTable {
  // Own keys only: a Host of `constructor` or `a.__proto__` must not find Object.prototype.
  return {
    exact: (host) => (Object.hasOwn(table.exact, host) ? table.exact[host] : undefined),
    wildcard: (parent) => (Object.hasOwn(table.wildcard, parent) ? table.wildcard[parent] : undefined),
    route: (index) => table.routes[index] as CompiledRoute,
  };
}

/** A route table as it is, or the one of a full compiled table. */
export function asRouteTable(table: CompiledTable | RouteTable): RouteTable {
  return 'route' in table ? table : routeTableOf(table);
}
