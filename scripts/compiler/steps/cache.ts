/**
 * A route's edge-cache policy: a TTL above zero, and the statuses that may be stored.
 */
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';

const CACHE_DEFAULTS = defaultsOf('cache') as { statuses: number[] };

/** @example compileCache({ cache: { ttl: 60 } }).cache // { ttl: 60, statuses: [200] } */
export function compileCache(route: Pick<RawRoute, 'cache'>): Pick<CompiledRoute, 'cache'> {
  if (!route.cache || route.cache.ttl <= 0) return { cache: null };
  const cache = { ...CACHE_DEFAULTS, ...route.cache };
  return { cache: { ttl: cache.ttl, statuses: cache.statuses } };
}
