/**
 * A route's edge-cache policy: a TTL above zero, and the statuses that may be stored.
 */
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import type { StepContext } from './context.ts';

const CACHE_DEFAULTS = defaultsOf('cache') as { statuses: number[] };

/**
 * Statuses that answer one client's own request, never stored and served to others (the cache
 * stage refuses them whatever the list says; listing one is a warning): 206
 * (the part of a body its Range asked for) and 304 (an empty "you already have it" to its
 * conditional request).
 */
const NEVER_STORED: Record<number, string> = {
  206: "206 is the part of a body one client's Range asked for",
  304: "304 answers one client's conditional request and has no body",
};

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
