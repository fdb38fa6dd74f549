/**
 * The response for the client: the origin's status and body, its headers minus hop-by-hop (and
 * minus its own Access-Control-* on a route with a CORS policy, which sets its own), a Location
 * pointing at the origin rewritten to the public host (in its canonical spelling) and prefix,
 * and the route's response rules.
 */
import type { Routed } from '../exchange.ts';
import { publicLocation } from '../routing/upstream.ts';
import type { CompiledOrigin } from '../table/types.ts';
import { isCorsHeader } from './cors.ts';
import { hopByHop } from './hop-by-hop.ts';
import { applyHeaderRules } from './request-headers.ts';

/** A reason phrase as RFC 9112 allows it: tabs, spaces and visible ASCII. */
const REASON_PHRASE = /^[\t\x20-\x7e]*$/;

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
  // Headers object copied first would be copied again by the constructor). A reason phrase the
  // runtime would refuse (a control character) is dropped: clients ignore it anyway.
  const init = REASON_PHRASE.test(upstream.statusText)
    ? upstream
    : { status: upstream.status, headers: upstream.headers };
  const response = new Response(body, init);
  const headers = response.headers;
  // One walk over the origin's names deletes only what is there (each Headers call crosses into
  // the runtime: a delete per listed name cost more than the walk).
  const isHopByHop = hopByHop(upstream.headers.get('connection'));
  const ownCors = x.route.cors !== null;
  for (const name of upstream.headers.keys())
    if (isHopByHop(name) || (ownCors && isCorsHeader(name))) headers.delete(name);
  const location = headers.get('location');
  if (location)
    headers.set('location', publicLocation(location, x.route, origin, `${x.scheme}://${x.authority}`));
  applyHeaderRules(headers, x.route.responseHeaders, x.env);
  return response;
}
