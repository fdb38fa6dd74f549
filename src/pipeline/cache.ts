/**
 * Edge cache on the Cache API. GET and HEAD only (HEAD is served from the GET entry); the key
 * is the canonical scheme + public host + path + query, so two hosts never share an entry;
 * requests with Authorization, Range or a method override header bypass it. The stored copy
 * carries the route's TTL as s-maxage while the client keeps the origin's own Cache-Control. CORS
 * headers are added outside this stage, so they are never stored. Every proxied answer says
 * `x-cache: HIT|MISS|BYPASS`.
 */
import type { Exchange, Routed } from '../exchange.ts';
import { exactUrl } from '../routing/upstream.ts';
import type { CompiledCache, CompiledRoute } from '../table/types.ts';
import type { Answer, CacheResult } from './answer.ts';
import { readLength } from './declared-length.ts';
import { MAX_COLLECTED, storeIntact } from './intact-store.ts';
import { carriesMethodOverride } from './request-headers.ts';
import type { StageFactory } from './stage.ts';

/** Where the origin's Cache-Control waits while the stored copy carries the edge TTL. */
const ORIGIN_CACHE_CONTROL = 'x-router-origin-cache-control';

export interface CacheDecision {
  eligible: boolean;
  /** Why, in words (for `explain`). */
  reason: string;
}

/**
 * The one cache-eligibility decision, shared by the Worker and `explain`.
 * @example cacheDecision(route, x) // { eligible: false, reason: 'the request has Authorization' }
 */
export function cacheDecision(route: CompiledRoute, x: Exchange): CacheDecision {
  const headers = x.request.headers;
  if (!route.cache) return { eligible: false, reason: 'the route has no cache' };
  if (x.method !== 'GET' && x.method !== 'HEAD')
    return { eligible: false, reason: `${x.method} is never cached` };
  if (headers.has('authorization')) return { eligible: false, reason: 'the request has Authorization' };
  if (headers.has('range')) return { eligible: false, reason: 'the request has Range' };
  if (headers.has('upgrade')) return { eligible: false, reason: 'the request is an upgrade' };
  // A framework that honours it answers another method: that answer is no GET's to share.
  if (carriesMethodOverride(headers))
    return { eligible: false, reason: 'the request carries a method override header' };
  return { eligible: true, reason: `${x.method} may be served from and stored in the edge cache` };
}

/**
 * The cache key: scheme, canonical public host, path and query (an http and an https request
 * never share an entry: a stored Location is rewritten for the scheme the client used).
 * @example cacheKey(x)?.url // 'https://api.example.com/v1/x?q=1'
 */
export function cacheKey(x: Exchange): Request | null {
  const url = exactUrl(`${x.scheme}://${x.authority}`, x.path, x.search);
  return url ? new Request(url, { method: 'GET' }) : null;
}

/** Looks up and stores; says how the cache took every answer that comes back through it. */
export const cache: StageFactory = (route, platform) => {
  const policy = route.cache;
  // Without a policy the proxy's answers say BYPASS themselves (src/pipeline/proxy.ts).
  if (route.redirect || !policy) return null;
  return async (x, next) => {
    const key = cacheDecision(route, x).eligible ? cacheKey(x) : null;
    if (!key) return withResult(await next(x), 'BYPASS');
    const hit = await lookup(platform.cache(), key, x.method);
    if (hit) return withResult({ response: hit, route, router: null, upstream: null, cache: 'HIT' }, 'HIT');
    const answer = await next({ ...x, forSharedCache: true });
    const origin = answer.upstream?.originHeaders ?? null;
    if (
      x.method === 'GET' &&
      !answer.router &&
      storable(answer.response, policy, route.cors !== null, origin)
    ) {
      return withResult(
        { ...answer, response: store(platform.cache(), key, answer.response, policy, x) },
        'MISS',
      );
    }
    return withResult(answer, 'MISS');
  };
};

/**
 * The one place an answer gets its cache result: `x-cache` on the response (not on a WebSocket
 * upgrade) and `cache` in the Answer, so the header, the log line and `explain` agree. Routes
 * without a cache stage get BYPASS from the proxy through here too.
 * @example withResult(answer, 'MISS').response.headers.get('x-cache') // 'MISS'
 */
export function withResult(answer: Answer, result: CacheResult): Answer {
  if (answer.response.status !== 101) answer.response.headers.set('x-cache', result);
  return { ...answer, cache: result };
}

/** A hit comes back with the origin's Cache-Control restored (and no body for HEAD). */
async function lookup(cache: Cache, key: Request, method: string): Promise<Response | undefined> {
  const hit = await cache.match(key);
  if (!hit) return undefined;
  const headers = new Headers(hit.headers);
  const original = headers.get(ORIGIN_CACHE_CONTROL);
  headers.delete(ORIGIN_CACHE_CONTROL);
  if (original === null) headers.delete('cache-control');
  else headers.set('cache-control', original);
  if (method === 'HEAD') {
    await hit.body?.cancel();
    return new Response(null, { status: hit.status, headers });
  }
  return new Response(hit.body, { status: hit.status, headers });
}

/**
 * Statuses that answer one client's own request and are never stored for others, whatever
 * `statuses` lists (`check` warns when it lists one), with the reason `check` gives.
 */
export const NEVER_STORED: Readonly<Record<number, string>> = {
  206: "206 is the part of a body one client's Range asked for",
  304: "304 answers one client's conditional request and has no body",
};

/**
 * True when a response may be stored: an allowed status, never one of NEVER_STORED (one
 * client's answers), a body no larger than a copy collected whole (src/pipeline/intact-store.ts),
 * and headers that allow it (`sharable`) both as the origin sent them
 * (`originHeaders`, when the answer came from an origin) and as the route's rules left them: a
 * rule that sets Cache-Control for browsers or removes Set-Cookie or Vary must not make an
 * origin's private answer storable.
 * @example storable(new Response('ok'), { ttl: 60, statuses: [200] }, false) // true
 */
export function storable(
  response: Response,
  policy: CompiledCache,
  routeOwnsCors: boolean,
  originHeaders: Headers | null = null,
): boolean {
  return (
    NEVER_STORED[response.status] === undefined &&
    policy.statuses.includes(response.status) &&
    (readLength(response.headers) ?? 0) <= MAX_COLLECTED &&
    sharable(response.headers, routeOwnsCors) &&
    (originHeaders === null || sharable(originHeaders, routeOwnsCors))
  );
}

/**
 * Headers that let a response be shared: no Set-Cookie, no private or no-store (any case) in
 * Cache-Control or a CDN's own control header, and a `Vary` the key can honour. The Cache API
 * keys on the URL alone (and does not honour Vary), so a response that varies on a request
 * header (`Cookie`, `Accept-Language`, `*`...) would be served to every client: only
 * `Accept-Encoding` (fetch decodes bodies) may be listed, and `Origin` on a route with a `cors`
 * policy, which replaces those headers after the cache and sends a request that may be stored
 * without its Origin (src/pipeline/request-headers.ts), so the body cannot depend on it. On a
 * route without one, the origin does its own CORS and a stored copy would hand one site's
 * Access-Control-Allow-Origin to another: so would an Access-Control-Allow-Origin naming one site
 * sent without `Vary: Origin`, which is not stored there either.
 */
function sharable(headers: Headers, routeOwnsCors: boolean): boolean {
  const vary = (headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());
  const unkeyed = vary.filter(
    (v) => v !== '' && v !== 'accept-encoding' && !(routeOwnsCors && v === 'origin'),
  );
  return (
    !headers.has('set-cookie') &&
    !STORE_CONTROLS.some((name) => forbidsStore(headers.get(name))) &&
    unkeyed.length === 0 &&
    (routeOwnsCors || !namesOneSite(headers))
  );
}

/** True when the answer's Access-Control-Allow-Origin names one site (not `*`, not absent). */
function namesOneSite(headers: Headers): boolean {
  const allowed = headers.get('access-control-allow-origin');
  return allowed !== null && allowed.trim() !== '*';
}

/**
 * Every header through which an origin speaks to a shared cache: its own Cache-Control, and the
 * ones meant for CDNs only (RFC 9213's CDN-Cache-Control, Cloudflare's, and Surrogate-Control).
 * `private` or `no-store` in any of them keeps the response out.
 */
const STORE_CONTROLS = [
  'cache-control',
  'cdn-cache-control',
  'cloudflare-cdn-cache-control',
  'surrogate-control',
];

/** True for a directive list with `private` or `no-store` (any case, also `private="..."`). */
function forbidsStore(directives: string | null): boolean {
  return directives !== null && /(^|[\s,])(private|no-store)([\s,=]|$)/i.test(directives);
}

/**
 * Stores a copy in the background and returns the response for the client: the body is teed,
 * so the client's copy streams as it arrives.
 */
function store(cache: Cache, key: Request, response: Response, policy: CompiledCache, x: Routed): Response {
  const [forClient, forCache] = response.body ? response.body.tee() : [null, null];
  const headers = new Headers(response.headers);
  const original = headers.get('cache-control');
  // An origin's own header of that name must not pose as its Cache-Control on a hit.
  headers.delete(ORIGIN_CACHE_CONTROL);
  if (original !== null) headers.set(ORIGIN_CACHE_CONTROL, original);
  headers.set('cache-control', `s-maxage=${policy.ttl}`);
  // Stored only if it arrives whole: an origin dying mid-body must not leave a cut copy.
  x.ctx.waitUntil(storeIntact(cache, key, forCache, response.status, headers));
  return new Response(forClient, response);
}
