/**
 * The last stage, where every route that did not answer early ends: the upstream request (its
 * headers, with the route's secrets checked first), the fetch with timeouts and failover, and
 * the response for the client (headers, Location, idle timeout on its body).
 */
import type { Routed } from '../exchange.ts';
import type { Answer } from './answer.ts';
import { jsonError } from './answer.ts';
import { withResult } from './cache.ts';
import { guardedBody } from './idle-timeout.ts';
import { upstreamHeaders } from './request-headers.ts';
import { downstreamResponse } from './response-headers.ts';
import type { Next, Platform } from './stage.ts';
import { ConfigValueError, envValue, INVALID } from './template.ts';
import { fetchUpstream } from './upstream.ts';
import { isWebSocketUpgrade } from './websocket.ts';

/** @example const last = proxy(platform); await last(x) */
export function proxy(platform: Platform): Next {
  const send = forward(platform);
  return async (x) => {
    const answer = await send(x);
    // A route with a cache has a cache stage to say HIT, MISS or BYPASS (after storing the copy).
    return x.route.cache ? answer : withResult(answer, 'BYPASS');
  };
}

function forward(platform: Platform): Next {
  return async (x: Routed): Promise<Answer> => {
    const route = x.route;
    const upgrade = route.websocket && isWebSocketUpgrade(x.request);
    let headers: Headers;
    try {
      // Every var and secret the route reads, checked before anything is sent.
      for (const name of route.env) envValue(x.env, name);
      headers = upstreamHeaders(x, upgrade);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      const message = `Route ${route.id} needs ${error.variable}, which ${error.problem === 'missing' ? 'is not set' : INVALID}`;
      return jsonError(x, 'proxy', 500, 'config_error', message);
    }
    const result = await fetchUpstream(x, headers, platform);
    if (!result.ok) return result.answer;
    const { response, origin, report, abort } = result;
    if (!relayable(response, upgrade)) {
      await response.body?.cancel().catch(() => undefined);
      abort.abort();
      const message = `The origin answered with status ${response.status}, which cannot be relayed`;
      return { ...jsonError(x, 'upstream', 502, 'bad_gateway', message), upstream: report };
    }
    if (response.status === 101) return { response, route, router: null, upstream: report, cache: 'BYPASS' };
    // Without an idle timeout the body streams natively, with no JavaScript on its path.
    const body =
      route.idleTimeoutMs > 0
        ? await guardedBody(response, x.method, route.idleTimeoutMs, abort)
        : response.body;
    let downstream: Response;
    try {
      downstream = downstreamResponse(response, x, origin, body);
    } catch {
      // Whatever else in an origin's answer the runtime refuses to relay is the origin's fault.
      abort.abort();
      const message = 'The origin answered with a response that cannot be relayed';
      return { ...jsonError(x, 'upstream', 502, 'bad_gateway', message), upstream: report };
    }
    return { response: downstream, route, router: null, upstream: report, cache: 'BYPASS' };
  };
}

/**
 * A status a Response can carry (200-599), or a 101 that completes the WebSocket upgrade the
 * client asked for on a route that allows it. Anything else (600+, a 1xx that workerd's fetch
 * returns as final, a 101 nobody asked for, which would hang the client) is the origin's fault.
 * @example relayable(new Response(null, { status: 204 }), false) // true
 */
export function relayable(response: Response, upgrade: boolean): boolean {
  if (response.status === 101) return upgrade && response.webSocket !== null;
  return response.status >= 200 && response.status <= 599;
}
