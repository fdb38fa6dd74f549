/**
 * Debug headers, for smoke tests from outside: which route matched, which upstream URL the
 * Worker fetched, how the cache took it, the router's error code and the Worker version. They are
 * added only to a request that carries `x-router-debug: TOKEN` where TOKEN equals the secret
 * `ROUTER_DEBUG_TOKEN` (compared in constant time). With the secret unset nothing is ever added,
 * and the token header is never sent upstream (src/pipeline/request-headers.ts drops it).
 *
 * The router answers normally either way: the headers describe the answer, they do not change it.
 * They are added after the cache store, so a cached copy never holds them.
 */
import type { Env, Exchange } from '../exchange.ts';
import { upstreamUrl } from '../routing/upstream.ts';
import type { Answer } from './answer.ts';
import { versionId } from './metrics.ts';

/** The request header that carries the token. */
export const DEBUG_HEADER = 'x-router-debug';
/** The Worker secret the token must equal. */
export const DEBUG_SECRET = 'ROUTER_DEBUG_TOKEN';

/** What the router decided for one request, as the debug headers report it. */
export interface RouterDecision {
  /** The matched route's id, or null (no route, or refused before routing). */
  route: string | null;
  /** The upstream URL the Worker fetched (or would have, for a cached answer), or null. */
  upstream: string | null;
  /** HIT, MISS or BYPASS. */
  cache: string;
  /** The router's own error code (`no_route`, `bad_gateway`, ...), or null. */
  error: string | null;
}

/**
 * Adds the debug headers to `response` when `token` equals the ROUTER_DEBUG_TOKEN secret.
 * @example return token === null ? response : addDebugHeaders(response, token, env, decisionOf(x));
 */
export async function addDebugHeaders(
  response: Response,
  token: string,
  env: Env,
  decision: RouterDecision,
): Promise<Response> {
  const secret = env[DEBUG_SECRET];
  // A WebSocket handshake's headers are final; an unset secret never exposes anything.
  if (response.status === 101 || typeof secret !== 'string' || secret === '') return response;
  if (!(await sameSecret(token, secret))) return response;
  const headers = response.headers;
  headers.set('x-router-route', decision.route ?? '(none)');
  if (decision.upstream !== null) headers.set('x-router-upstream', decision.upstream);
  headers.set('x-router-cache', decision.cache);
  if (decision.error !== null) headers.set('x-router-error', decision.error);
  headers.set('x-router-version', versionId(env) || 'unknown');
  return response;
}

/**
 * The decision, read from the final Answer. The upstream is the URL the Worker fetched from the
 * origin that answered (the last one tried when none did); for a cache hit, the URL it would
 * fetch from the first origin.
 * @example decisionOf(answer, x).route // 'api'
 */
export function decisionOf(answer: Answer, x: Exchange): RouterDecision {
  const route = answer.route;
  const first = route?.origins[0];
  const hit = answer.cache === 'HIT' && route && first ? upstreamUrl(route, first, x.path, x.search) : null;
  return {
    route: route?.id ?? null,
    upstream: (answer.upstream?.url ?? hit)?.href ?? null,
    cache: answer.cache,
    error: answer.router?.error ?? null,
  };
}

/** Constant-time comparison: both sides hashed to 32 bytes, so neither length nor prefix leaks. */
async function sameSecret(token: string, secret: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(token)),
    crypto.subtle.digest('SHA-256', encoder.encode(secret)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
