/**
 * The compiled table travels packed: a route is its identity (id, hosts, path) plus a policy,
 * everything else it does (origins, CORS, cache, headers, limits...). Routes that behave the same
 * share one policy, stored once in `policies` and referenced by index. Linking rebuilds the full
 * routes at startup, so 10,000 similar routes cost one small JSON.parse instead of repeating
 * every policy 10,000 times.
 */
import type { CompiledRoute, CompiledTable } from './types.ts';

type Identity = Pick<CompiledRoute, 'id' | 'hosts' | 'path'>;
type Policy = Omit<CompiledRoute, keyof Identity>;

export interface PackedTable extends Omit<CompiledTable, 'routes'> {
  policies: Policy[];
  routes: Array<Identity & { policy: number }>;
}

/**
 * Packs a table; policies are numbered in order of first use, so the output is deterministic.
 * @example packTable(table).policies.length // the number of distinct route behaviours
 */
export function packTable(table: CompiledTable): PackedTable {
  const policies: Policy[] = [];
  const indexOf = new Map<string, number>();
  const routes = table.routes.map(({ id, hosts, path, ...policy }) => {
    const key = JSON.stringify(policy);
    let index = indexOf.get(key);
    if (index === undefined) {
      index = policies.push(policy) - 1;
      indexOf.set(key, index);
    }
    return { id, hosts, path, policy: index };
  });
  return { ...table, policies, routes };
}

/**
 * Restores the routes of a packed table, once, at Worker startup. A route is its identity on top
 * of its shared policy (the policy is the route object's prototype): copying every policy field
 * into 10,000 route objects took V8 over 100 ms, this takes a few.
 * @example const table = linkTable(JSON.parse(text));
 */
export function linkTable(packed: PackedTable): CompiledTable {
  const { policies, routes, ...rest } = packed;
  const linked = routes.map((r) => {
    const route = Object.create(policies[r.policy] ?? null) as CompiledRoute;
    route.id = r.id;
    route.hosts = r.hosts;
    route.path = r.path;
    return route;
  });
  return { ...rest, routes: linked };
}
