/**
 * One JSON log line per request (Workers Logs indexes its fields). Never a query string, a
 * header value or a secret: only what the router decided.
 */
import type { Exchange } from '../exchange.ts';

/** The log record for an exchange and its final status. */
export function logRecord(x: Exchange, status: number) {
  return {
    request_id: x.id,
    route: x.matched?.id ?? null,
    host: x.host,
    method: x.method,
    path: x.path,
    status,
    duration_ms: Date.now() - x.startedAt,
    cache: x.cache,
    origin: x.answeredBy ?? null,
    origin_status: x.originStatus ?? null,
    tries: x.tries,
    error: x.errorCode ?? null,
  };
}

/** @example logLine(x, 200) // {"request_id":"...","route":"api",...} on stdout */
export function logLine(x: Exchange, status: number): void {
  console.log(JSON.stringify(logRecord(x, status)));
}
