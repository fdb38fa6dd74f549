/**
 * Errors the router makes: always JSON `{error, message, request_id}`, never HTML.
 */
import type { Exchange } from '../exchange.ts';

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

/**
 * A JSON error response; records the code on the exchange for the log line.
 * @example jsonError(x, 404, 'no_route', 'No route for api.example.com/x')
 */
export function jsonError(
  x: Exchange,
  status: number,
  error: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  x.errorCode = error;
  return new Response(JSON.stringify({ error, message, request_id: x.id }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}
