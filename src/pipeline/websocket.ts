/**
 * WebSocket upgrades pass through only on routes with `websocket: true`; elsewhere they are a
 * 400, so an origin never sees an upgrade the table did not allow. On a route that also has a
 * `cors` policy, an upgrade from a page on an origin the policy does not allow is a 403: browsers
 * apply no CORS to WebSockets and send the page's cookies with them, so without this check any
 * site could open a socket as its visitor (cross-site WebSocket hijacking).
 */
import type { Routed } from '../exchange.ts';
import { jsonError } from './answer.ts';
import { allowedOrigin } from './cors.ts';
import type { StageFactory } from './stage.ts';

/** True when the client asks for a WebSocket upgrade. */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/** @example websocketGuard(route) // a stage answering 400 for an upgrade on a route without websocket: true */
export const websocketGuard: StageFactory = (route) => {
  const cors = route.cors;
  if (route.websocket && !cors) return null;
  if (!route.websocket) {
    return (x, next) =>
      isWebSocketUpgrade(x.request)
        ? jsonError(x, 'websocket', 400, 'bad_request', 'WebSocket upgrades are not enabled on this route')
        : next(x);
  }
  return (x, next) => {
    // A client that sends no Origin is no browser page, and a page of the site itself is no
    // other site: the check is for cross-site pages, as CORS is.
    const origin = x.request.headers.get('origin');
    if (cors === null || origin === null || !isWebSocketUpgrade(x.request)) return next(x);
    if (origin.toLowerCase() === `${x.scheme}://${x.authority}`) return next(x);
    // '*' without credentials lets every site in, but not as its visitor: a cross-site page's
    // socket goes on without the cookies and Authorization the browser attached to it.
    if (cors.any && !cors.credentials) return next(withoutCredentials(x));
    if (allowedOrigin(cors, origin) !== null) return next(x);
    return jsonError(
      x,
      'websocket',
      403,
      'forbidden',
      'WebSocket upgrades from this Origin are not allowed on this route',
    );
  };
};

/** The exchange with a copy of its request that carries no Cookie or Authorization. */
function withoutCredentials(x: Routed): Routed {
  const headers = new Headers(x.request.headers);
  headers.delete('cookie');
  headers.delete('authorization');
  return { ...x, request: new Request(x.request, { headers }) };
}
