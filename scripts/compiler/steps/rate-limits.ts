/**
 * A route's rate limits: one or a list, each with the Rate Limiting binding the build declares
 * for it (`RL_<ID>` for the first, `RL_<ID>_2`... for the others).
 */
import { isClientClaim } from '../../../src/pipeline/request-headers.ts';
import type { CompiledRateLimit, CompiledRoute } from '../../../src/table/types.ts';
import type { RawRateLimit, RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import type { StepContext } from './context.ts';

/** Every rate-limit binding's name starts so; no var or secret may. */
export const RATE_LIMIT_PREFIX = 'RL_';

const LIMIT_DEFAULTS = defaultsOf('rateLimit') as { key: string; ipv6_prefix: number };

/** @example compileRateLimits({ id: 'api', rate_limit: { limit: 10, period: 60 } }, ctx).rateLimits[0]?.binding // 'RL_API' */
export function compileRateLimits(
  route: Pick<RawRoute, 'id' | 'rate_limit'>,
  ctx: Pick<StepContext, 'report'>,
): Pick<CompiledRoute, 'rateLimits'> {
  if (!route.rate_limit) return { rateLimits: [] };
  const listed = Array.isArray(route.rate_limit);
  const list: RawRateLimit[] = listed
    ? (route.rate_limit as RawRateLimit[])
    : [route.rate_limit as RawRateLimit];
  const rateLimits = list.map((raw, i): CompiledRateLimit => {
    const limit = { ...LIMIT_DEFAULTS, ...raw };
    const header = limit.key.startsWith('header:') ? limit.key.slice('header:'.length) : null;
    if (header !== null && isClientClaim(header))
      ctx.report(
        listed ? ['rate_limit', i, 'key'] : ['rate_limit', 'key'],
        `key ${limit.key}: any client sets ${header} to what it likes (the router drops it before the origin), so each new value would get a new budget: use key: ip`,
      );
    return {
      binding: rateLimitBinding(route.id, i),
      limit: limit.limit,
      period: limit.period,
      key:
        limit.key === 'ip'
          ? { kind: 'ip' }
          : { kind: 'header', name: limit.key.slice('header:'.length).toLowerCase() },
      ipv6Prefix: limit.ipv6_prefix,
    };
  });
  return { rateLimits };
}

/**
 * The Rate Limiting binding of a route's limit, derived from its id (and its place in the list).
 * @example rateLimitBinding('api.v2') // 'RL_API_V2'
 * @example rateLimitBinding('api', 1) // 'RL_API_2'
 */
export function rateLimitBinding(id: string, index = 0): string {
  return `${RATE_LIMIT_PREFIX}${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}${index === 0 ? '' : `_${index + 1}`}`;
}
