/**
 * What a stage returns: the response, and what the router knows about how it came to be. Stages
 * pass it back outward (the onion of src/pipeline/pipeline.ts), each adding what it decided;
 * nothing is left on the exchange for a distant stage to find. The log line, the metrics, the
 * debug headers and `explain` all read the final Answer.
 */
import type { Exchange } from '../exchange.ts';
import type { CompiledOrigin, CompiledRoute } from '../table/types.ts';

export type CacheResult = 'HIT' | 'MISS' | 'BYPASS';

export type ErrorCode =
  | 'bad_request'
  | 'forbidden'
  | 'no_route'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'rate_limited'
  | 'config_error'
  | 'internal_error'
  | 'bad_gateway'
  | 'gateway_timeout';

/** The stage that answered, for the router's own answers. */
export type StageName =
  | 'path safety'
  | 'route'
  | 'access'
  | 'rate limit'
  | 'CORS preflight'
  | 'methods'
  | 'redirect'
  | 'websocket'
  | 'body limit'
  | 'proxy'
  | 'upstream'
  | 'router';

/** What the upstream stage did: the URL it sent, the tries, and which origin answered. */
export interface UpstreamReport {
  /** The URL of the last try: the answering origin's, when one answered. */
  url: URL;
  tries: number;
  /** The origin whose response is returned, and its place in the failover list. */
  answeredBy: { origin: CompiledOrigin; index: number } | null;
  /** The last status an origin answered with, or null when none answered. */
  originStatus: number | null;
  /**
   * The headers the answering origin sent, before the route's rules changed them (the cache
   * decides on these: a rule must not make an origin's private answer storable), or null.
   */
  originHeaders: Headers | null;
}

export interface Answer {
  response: Response;
  /** The matched route, or null before routing. */
  route: CompiledRoute | null;
  /** Set when the router answered itself: which stage, and its error code (null for a 204 or a redirect). */
  router: { stage: StageName; error: ErrorCode | null } | null;
  /** Set when the request went upstream. */
  upstream: UpstreamReport | null;
  cache: CacheResult;
}

/**
 * The router's own answer (a preflight, a redirect, a 101 pass-through is not one).
 * @example routerAnswer('redirect', new Response(null, { status: 301, headers: { location } }))
 */
export function routerAnswer(stage: StageName, response: Response, error: ErrorCode | null = null): Answer {
  return { response, route: null, router: { stage, error }, upstream: null, cache: 'BYPASS' };
}

/**
 * A JSON error `{error, message, request_id}` made by the router: never HTML, never cached.
 * @example jsonError(x, 'route', 404, 'no_route', 'No route for api.example.com/x')
 */
export function jsonError(
  x: Exchange,
  stage: StageName,
  status: number,
  error: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Answer {
  const body = JSON.stringify({ error, message, request_id: x.id });
  return routerAnswer(
    stage,
    new Response(body, {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    }),
    error,
  );
}
