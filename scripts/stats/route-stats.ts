/**
 * One route's health over a window: what `npm run stats` reads from Analytics Engine and what
 * `npm start` / `npm run dev` count from the router's log lines, in one shape, so one renderer
 * prints both.
 */

export interface RouteStats {
  /** Route id, or `(none)` for requests no route matched. */
  route: string;
  /** The Worker version, when versions are compared. */
  version?: string;
  requests: number;
  status4xx: number;
  status5xx: number;
  /** The router's own error answers, by error code (`bad_gateway`, `no_route`...). */
  errors: Record<string, number>;
  /** Duration percentiles in ms; null when unknown. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  cacheHits: number;
  cacheMisses: number;
  /** Requests answered by an origin other than the route's first. */
  failovers: number;
}

/**
 * A route (and version) with no requests in the window.
 * @example emptyRouteStats('api').requests // 0
 */
export function emptyRouteStats(route: string, version?: string): RouteStats {
  const zero = { requests: 0, status4xx: 0, status5xx: 0, cacheHits: 0, cacheMisses: 0, failovers: 0 };
  return {
    route,
    ...(version === undefined ? {} : { version }),
    ...zero,
    errors: {},
    p50: null,
    p95: null,
    p99: null,
  };
}

/**
 * The share of requests, or null when there were none.
 * @example rate(5, 100) // 0.05
 */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/**
 * Cache hits among the requests the cache was asked about (HIT + MISS), or null.
 * @example cacheHitRatio({ ...stats, cacheHits: 3, cacheMisses: 1 }) // 0.75
 */
export function cacheHitRatio(stats: RouteStats): number | null {
  return rate(stats.cacheHits, stats.cacheHits + stats.cacheMisses);
}

/**
 * The JSON form `npm run stats -- --json` prints, one object per route (and version).
 * @example statsJson(row).rate_5xx // 0.002
 */
export function statsJson(stats: RouteStats) {
  return {
    route: stats.route,
    ...(stats.version !== undefined ? { version: stats.version } : {}),
    requests: stats.requests,
    status_4xx: stats.status4xx,
    status_5xx: stats.status5xx,
    rate_4xx: rate(stats.status4xx, stats.requests),
    rate_5xx: rate(stats.status5xx, stats.requests),
    errors: stats.errors,
    p50_ms: stats.p50,
    p95_ms: stats.p95,
    p99_ms: stats.p99,
    cache_hits: stats.cacheHits,
    cache_misses: stats.cacheMisses,
    cache_hit_ratio: cacheHitRatio(stats),
    failovers: stats.failovers,
  };
}
