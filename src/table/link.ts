/**
 * The compiled table travels packed: a route is its identity (id, hosts, path) plus the index
 * of a policy, everything else it does (origins, CORS, cache, headers, limits...). Routes that
 * behave the same share one policy, stored once. The host indexes are not shipped: they are
 * rebuilt from the routes' hosts at startup.
 *
 * Why this shape: startup at 10,000 routes is one JSON.parse and one pass over the routes, and
 * most of its cost was the objects V8 had to create and then collect (docs/benchmarks.md,
 * "Where the time goes"). So the routes are four columns in the JSON (one host as a plain string), the host
 * index is a Map filled in one pass (a host of one route maps to a number, not a list), and a
 * route object is made only when a request first resolves to it.
 */
import type { RouteTable } from './route-table.ts';
import type { CompiledRoute, CompiledTable } from './types.ts';

type Policy = Omit<CompiledRoute, 'id' | 'hosts' | 'path'>;
/** The routes as columns: route i is ids[i], hosts[i] (one host as a plain string), paths[i]. */
export interface PackedTable {
  format: 2;
  policies: Policy[];
  ids: string[];
  hosts: Array<string | string[]>;
  paths: string[];
  /** The index of route i's policy. */
  policy: number[];
}

/**
 * Packs a table; policies are numbered in order of first use, so the output is deterministic.
 * @example packTable(table).policies.length // the number of distinct route behaviours
 */
export function packTable(table: CompiledTable): PackedTable {
  const packed: PackedTable = { format: 2, policies: [], ids: [], hosts: [], paths: [], policy: [] };
  const indexOf = new Map<string, number>();
  for (const { id, hosts, path, ...policy } of table.routes) {
    const key = JSON.stringify(policy);
    let index = indexOf.get(key);
    if (index === undefined) {
      index = packed.policies.push(policy) - 1;
      indexOf.set(key, index);
    }
    packed.ids.push(id);
    packed.hosts.push(hosts.length === 1 ? (hosts[0] as string) : hosts);
    packed.paths.push(path);
    packed.policy.push(index);
  }
  return packed;
}

/**
 * The Worker's route table from a packed table, once, at startup.
 * @example const table = linkTable(JSON.parse(text)); table.route(table.exact('api.example.com')![0])
 */
export function linkTable(packed: PackedTable): RouteTable {
  if (packed.format !== 2) throw new Error('The route table module is stale: run `npm run build`.');
  // A host served by one route maps to its index, by several to a list of them.
  const exact = new Map<string, number | number[]>();
  const wildcard = new Map<string, number | number[]>();
  const add = (host: string, index: number) => {
    // No [map, key] pair per host: 10,000 small arrays are garbage V8 collects during startup.
    if (host.startsWith('*.')) addTo(wildcard, host.slice(2), index);
    else addTo(exact, host, index);
  };
  packed.hosts.forEach((hosts, index) => {
    if (typeof hosts === 'string') add(hosts, index);
    else for (const host of hosts) add(host, index);
  });
  const list = (found: number | number[] | undefined) => (typeof found === 'number' ? [found] : found);
  const linked: CompiledRoute[] = new Array(packed.ids.length);
  return {
    exact: (host) => list(exact.get(host)),
    wildcard: (parent) => list(wildcard.get(parent)),
    route: (index) => (linked[index] ??= linkRoute(packed, index)),
  };
}

function addTo(map: Map<string, number | number[]>, key: string, index: number): void {
  const found = map.get(key);
  if (found === undefined) map.set(key, index);
  else map.set(key, typeof found === 'number' ? [found, index] : [...found, index]);
}

/** A route object: its identity on top of its shared policy (the prototype), not a copy of it. */
function linkRoute(packed: PackedTable, index: number): CompiledRoute {
  const route = Object.create(packed.policies[packed.policy[index] as number] ?? null) as CompiledRoute;
  const hosts = packed.hosts[index] as string | string[];
  route.id = packed.ids[index] as string;
  route.hosts = typeof hosts === 'string' ? [hosts] : hosts;
  route.path = packed.paths[index] as string;
  return route;
}
