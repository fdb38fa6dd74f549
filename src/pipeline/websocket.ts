/**
 * WebSocket upgrades pass through only on routes with `websocket: true`; elsewhere they are a
 * 400, so an origin never sees an upgrade the table did not allow.
 */
import type { Exchange } from '../exchange.ts';
import { jsonError } from './errors.ts';

/** True when the client asks for a WebSocket upgrade. */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/** @example websocketGuard(x) // 400 for an upgrade on a route without websocket: true */
export function websocketGuard(x: Exchange): Response | undefined {
  if (!isWebSocketUpgrade(x.request) || x.matched?.websocket) return undefined;
  return jsonError(x, 400, 'bad_request', 'WebSocket upgrades are not enabled on this route');
}
