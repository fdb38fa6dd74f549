/**
 * The response for the client: the origin's status and body, its headers minus hop-by-hop,
 * a Location pointing at the origin rewritten to the public host (in its canonical spelling)
 * and prefix, and the route's response rules.
 */
import type { Routed } from '../exchange.ts';
import { publicLocation } from '../routing/upstream.ts';
import type { CompiledOrigin } from '../table/types.ts';
import { stripHopByHop } from './hop-by-hop.ts';
import { applyHeaderRules } from './request-headers.ts';

/**
 * @example const response = downstreamResponse(originResponse, x, origin, body)
 */
export function downstreamResponse(
  upstream: Response,
  x: Routed,
  origin: CompiledOrigin,
  body: ReadableStream | Uint8Array | null,
): Response {
  // The origin's response as the init: status, status text and one copy of its headers (a
  // Headers object copied first would be copied again by the constructor).
  const response = new Response(body, upstream);
  const headers = response.headers;
  stripHopByHop(headers);
  const location = headers.get('location');
  if (location)
    headers.set('location', publicLocation(location, x.route, origin, `${x.scheme}://${x.authority}`));
  applyHeaderRules(headers, x.route.responseHeaders, x.env);
  return response;
}
