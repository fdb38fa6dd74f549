/**
 * Edge cache on the Cache API. GET and HEAD only (HEAD is served from the GET entry); the key
 * is scheme + host + path + query, so two hosts never share an entry; requests with Authorization or
 * Range bypass it. The stored copy carries the route's TTL as s-maxage while the client keeps
 * the origin's own Cache-Control. CORS headers are added after this stage, never stored.
 */
import type { Exchange } from '../exchange.ts';
import type { CompiledCache } from '../table/types.ts';
import { storeIntact } from './intact-store.ts';

/** Where the origin's Cache-Control waits while the stored copy carries the edge TTL. */
const ORIGIN_CACHE_CONTROL = 'x-router-origin-cache-control';

/** True when this request may be answered from, or stored in, the cache. */
export function cacheEligible(x: Exchange): boolean {
  const headers = x.request.headers;
  return (
    x.matched?.cache != null &&
    (x.method === 'GET' || x.method === 'HEAD') &&
    !headers.has('authorization') &&
    !headers.has('range') &&
    headers.get('upgrade') === null
  );
}

/** Scheme, host, path and query: an http and an https request never share an entry (a stored
 * Location is rewritten for the scheme the client used). */
function cacheKey(x: Exchange): Request {
  const scheme = x.publicOrigin.slice(0, x.publicOrigin.indexOf(':'));
  return new Request(`${scheme}://${x.host}${x.path}${x.search}`, { method: 'GET' });
}

/**
 * Looks the request up; a hit comes back with the origin's Cache-Control restored.
 * @example const hit = await cacheLookup(x) // Response, or undefined on a miss
 */
export async function cacheLookup(x: Exchange): Promise<Response | undefined> {
  const hit = await caches.default.match(cacheKey(x));
  if (!hit) return undefined;
  const headers = new Headers(hit.headers);
  const original = headers.get(ORIGIN_CACHE_CONTROL);
  headers.delete(ORIGIN_CACHE_CONTROL);
  if (original === null) headers.delete('cache-control');
  else headers.set('cache-control', original);
  if (x.method === 'HEAD') {
    await hit.body?.cancel();
    return new Response(null, { status: hit.status, headers });
  }
  return new Response(hit.body, { status: hit.status, headers });
}

/**
 * True when a response may be stored: an allowed status, no Set-Cookie, no private or
 * no-store (any case), no `Vary: *`, never a partial 206. On a route without a `cors` policy,
 * a response that varies on Origin is not stored either: the origin does its own CORS, and the
 * Cache API keys on the URL alone, so a stored copy would hand one site's
 * Access-Control-Allow-Origin to another. (A route with `cors` replaces those headers after
 * the cache, so it may store it.)
 * @example storable(new Response('ok'), { ttl: 60, statuses: [200] }, false) // true
 */
export function storable(response: Response, policy: CompiledCache, routeOwnsCors: boolean): boolean {
  const headers = response.headers;
  const cacheControl = headers.get('cache-control')?.toLowerCase() ?? '';
  const vary = (headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());
  return (
    response.status !== 206 &&
    policy.statuses.includes(response.status) &&
    !headers.has('set-cookie') &&
    !/(^|[\s,])(private|no-store)([\s,=]|$)/.test(cacheControl) &&
    !vary.includes('*') &&
    (routeOwnsCors || !vary.includes('origin'))
  );
}

/**
 * Stores a copy in the background and returns the response for the client: the body is teed,
 * so the client's copy streams as it arrives.
 */
export function cacheStore(
  x: Exchange,
  response: Response,
  policy: CompiledCache,
  ctx: ExecutionContext,
): Response {
  const [forClient, forCache] = response.body ? response.body.tee() : [null, null];
  const headers = new Headers(response.headers);
  const original = headers.get('cache-control');
  // An origin's own header of that name must not pose as its Cache-Control on a hit.
  headers.delete(ORIGIN_CACHE_CONTROL);
  if (original !== null) headers.set(ORIGIN_CACHE_CONTROL, original);
  headers.set('cache-control', `s-maxage=${policy.ttl}`);
  // Stored only if it arrives whole: an origin dying mid-body must not leave a cut copy.
  ctx.waitUntil(storeIntact(cacheKey(x), forCache, response.status, headers));
  return new Response(forClient, response);
}
