/**
 * The resolver: (host, path) -> route. Shared by the Worker, `explain`, route tests and the
 * benchmarks, so what the CLI says is what the edge does.
 *
 * Host first, through the compiled index (O(1): an exact name, else the one-label wildcard
 * `*.parent`); then the longest segment-aware path prefix among that host's routes only. The
 * per-host path table is a small itty-router, built on first use and kept for the isolate's
 * life, so per-request cost does not grow with the number of routes in the table.
 */
import { IttyRouter } from 'itty-router';
import type { CompiledRoute, CompiledTable } from '../table/types.ts';
import { normalizeHost } from './host.ts';

export interface Resolution {
  route: CompiledRoute;
  /** The index key that matched: an exact host, or `*.parent` for a wildcard. */
  hostKey: string;
}

/** One host's routes as itty-router compiled them: longest prefix first. */
type PathTable = Array<{ pattern: RegExp; route: CompiledRoute }>;

/**
 * Builds a resolver over a compiled table.
 * @example
 * const resolve = createResolver(table);
 * resolve('API.example.com:443', '/v1/users')?.route.id // 'api-v1'
 */
export function createResolver(table: CompiledTable): (host: string, path: string) => Resolution | null {
  const pathTables = new Map<string, PathTable>();

  const pathTable = (key: string, indexes: number[]): PathTable => {
    let compiled = pathTables.get(key);
    if (!compiled) {
      // itty-router turns `/api/*` into a segment-aware regex: /api, /api/, /api/x, never /apiary.
      const router = IttyRouter();
      for (const i of indexes) {
        const route = table.routes[i] as CompiledRoute;
        router.all(route.path === '/' ? '/*' : `${route.path}/*`, () => route);
      }
      compiled = router.routes.map(([, pattern], n) => ({
        pattern,
        route: table.routes[indexes[n] as number] as CompiledRoute,
      }));
      pathTables.set(key, compiled);
    }
    return compiled;
  };

  return (rawHost, path) => {
    const host = normalizeHost(rawHost);
    let key = host;
    let indexes = table.exact[host];
    if (!indexes) {
      const dot = host.indexOf('.');
      key = `*.${host.slice(dot + 1)}`;
      indexes = dot > 0 ? table.wildcard[host.slice(dot + 1)] : undefined;
    }
    if (!indexes) return null;
    for (const { pattern, route } of pathTable(key, indexes)) {
      if (pattern.test(path)) return { route, hostKey: key };
    }
    return null;
  };
}
