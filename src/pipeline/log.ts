/**
 * One JSON log line per request (Workers Logs indexes its fields). Never a query string, a
 * header value or a secret the router holds: only what the router decided, read from the final
 * Answer, and the path it routed (docs/request-handling.md says what that means for paths that
 * carry a token).
 */
import type { Exchange } from '../exchange.ts';
import type { Answer } from './answer.ts';

/** The log record for an exchange and its final answer. */
export function logRecord(x: Exchange, answer: Answer) {
  const upstream = answer.upstream;
  return {
    request_id: x.id,
    route: answer.route?.id ?? null,
    host: x.host,
    method: x.method,
    path: x.path,
    status: answer.response.status,
    duration_ms: Date.now() - x.startedAt,
    cache: answer.cache,
    origin: upstream?.answeredBy?.origin.origin ?? null,
    origin_status: upstream?.originStatus ?? null,
    tries: upstream?.tries ?? 0,
    error: answer.router?.error ?? null,
  };
}

export type LogRecord = ReturnType<typeof logRecord>;

/** @example logLine(record) // {"request_id":"...","route":"api",...} on stdout */
export function logLine(record: LogRecord): void {
  console.log(JSON.stringify(record));
}
