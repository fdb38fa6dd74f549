/**
 * The response for the client: the origin's status and body, its headers minus hop-by-hop,
 * a Location pointing at the origin rewritten to the public host and prefix, and the route's
 * response rules.
 */
import type { Env, Exchange } from '../exchange.ts';
import { publicLocation } from '../routing/upstream.ts';
import type { CompiledOrigin } from '../table/types.ts';
import { stripHopByHop } from './hop-by-hop.ts';
import { applyHeaderRules } from './request-headers.ts';

/**
 * @example const response = downstreamResponse(originResponse, x, env)
 */
export function downstreamResponse(upstream: Response, x: Exchange, env: Env): Response {
  const route = x.matched;
  const headers = new Headers(upstream.headers);
  stripHopByHop(headers);
  const location = headers.get('location');
  const origin = route?.origins.find((o: CompiledOrigin) => o.origin === x.answeredBy);
  if (location && route && origin)
    headers.set('location', publicLocation(location, route, origin, x.publicOrigin));
  if (route) applyHeaderRules(headers, route.responseHeaders, env);
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
}
