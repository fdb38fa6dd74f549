/**
 * The proxy stage, where every route that did not answer early ends: cache lookup, upstream
 * request, fetch with timeout and failover, response headers, cache store.
 */
import type { Env, Exchange } from '../exchange.ts';
import type { CompiledRoute } from '../table/types.ts';
import { cacheEligible, cacheLookup, cacheStore, storable } from './cache.ts';
import { jsonError } from './errors.ts';
import { upstreamHeaders } from './request-headers.ts';
import { downstreamResponse } from './response-headers.ts';
import { fetchUpstream } from './upstream.ts';
import { isWebSocketUpgrade } from './websocket.ts';

/** @example router.all('*', proxy) */
export async function proxy(x: Exchange, env: Env, ctx: ExecutionContext): Promise<Response> {
  const route = x.matched as CompiledRoute;
  const eligible = cacheEligible(x);
  if (eligible) {
    const hit = await cacheLookup(x);
    x.cache = hit ? 'HIT' : 'MISS';
    if (hit) return withCacheResult(hit, x);
  }

  const missing = missingVariable(route, env);
  if (missing)
    return withCacheResult(
      jsonError(x, 500, 'config_error', `Route ${route.id} needs ${missing}, which is not set`),
      x,
    );
  const websocket = route.websocket && isWebSocketUpgrade(x.request);
  const upstream = await fetchUpstream(x, upstreamHeaders(x, env, websocket));
  if (upstream.status === 101) return upstream;
  if (x.errorCode) return withCacheResult(upstream, x);

  const response = downstreamResponse(upstream, x, env);
  if (eligible && x.method === 'GET' && route.cache && storable(response, route.cache, route.cors !== null)) {
    return withCacheResult(cacheStore(x, response, route.cache, ctx), x);
  }
  return withCacheResult(response, x);
}

/** Every response that leaves this stage, the router's own errors included, says how the cache took it. */
function withCacheResult(response: Response, x: Exchange): Response {
  response.headers.set('x-cache', x.cache);
  return response;
}

/** The first `${env.NAME}` the route uses that has no value: checked before anything is sent. */
function missingVariable(route: CompiledRoute, env: Env): string | undefined {
  return route.env.find((name) => typeof env[name] !== 'string' || env[name] === '');
}
