/**
 * WebSocket upgrades pass through only on routes with `websocket: true`; elsewhere they are a
 * 400, so an origin never sees an upgrade the table did not allow.
 */
import { jsonError } from './answer.ts';
import type { StageFactory } from './stage.ts';

/** True when the client asks for a WebSocket upgrade. */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/** @example websocketGuard(route) // a stage answering 400 for an upgrade on a route without websocket: true */
export const websocketGuard: StageFactory = (route) => {
  if (route.websocket) return null;
  return (x, next) =>
    isWebSocketUpgrade(x.request)
      ? jsonError(x, 'websocket', 400, 'bad_request', 'WebSocket upgrades are not enabled on this route')
      : next(x);
};
