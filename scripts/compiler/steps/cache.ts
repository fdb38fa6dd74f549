/**
 * A route's edge-cache policy: a TTL above zero, and the statuses that may be stored.
 */
import { NEVER_STORED } from '../../../src/pipeline/cache.ts';
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import type { StepContext } from './context.ts';

const CACHE_DEFAULTS = defaultsOf('cache') as { statuses: number[] };

/** @example compileCache({ cache: { ttl: 60 } }, ctx).cache // { ttl: 60, statuses: [200] } */
export function compileCache(route: Pick<RawRoute, 'cache'>, ctx: StepContext): Pick<CompiledRoute, 'cache'> {
  if (!route.cache || route.cache.ttl <= 0) return { cache: null };
  const cache = { ...CACHE_DEFAULTS, ...route.cache };
  for (const [i, status] of cache.statuses.entries()) {
    const why = NEVER_STORED[status];
    // A warning: such a file built before, and the listed status simply never gets stored.
    if (why)
      ctx.report(['cache', 'statuses', i], `cache.statuses: ${status} is never stored (${why})`, 'warning');
  }
  return { cache: { ttl: cache.ttl, statuses: cache.statuses } };
}
