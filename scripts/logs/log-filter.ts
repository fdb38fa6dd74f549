/**
 * Which router log lines `npm run logs` prints: by route, status (exact `404` or a class `5xx`),
 * host, or request id. Every given filter must match.
 */
import { normalizeHost } from '../../src/routing/host.ts';
import { checkRouteId } from '../cli/route-id.ts';
import type { RouterRecord } from './tail-events.ts';

export interface LogFilter {
  route?: string;
  /** Inclusive status range: `5xx` is 500-599, `404` is 404-404. */
  status?: { text: string; min: number; max: number };
  host?: string;
  requestId?: string;
}

/**
 * Reads the filter flags, checking each.
 * @example logFilter({ route: 'api', status: '5xx' }).status // { text: '5xx', min: 500, max: 599 }
 */
export function logFilter(flags: {
  route?: string;
  status?: string;
  host?: string;
  requestId?: string;
}): LogFilter {
  const filter: LogFilter = {};
  if (flags.route !== undefined) filter.route = checkRouteId(flags.route);
  if (flags.status !== undefined) filter.status = statusRange(flags.status);
  if (flags.host !== undefined) {
    if (!/^[a-z0-9.-]+$/i.test(flags.host)) throw new Error(`--host "${flags.host}" is not a host name`);
    filter.host = normalizeHost(flags.host);
  }
  if (flags.requestId !== undefined) {
    // The shape the router keeps or makes (src/exchange.ts): 8-128 of A-Z a-z 0-9 . _ : -
    if (!/^[A-Za-z0-9._:-]{8,128}$/.test(flags.requestId))
      throw new Error(`--request-id "${flags.requestId}" is not a request id`);
    filter.requestId = flags.requestId;
  }
  return filter;
}

function statusRange(text: string): NonNullable<LogFilter['status']> {
  const match = /^([1-5])(xx|\d\d)$/.exec(text);
  if (!match) throw new Error(`--status takes a status (404) or a class (5xx); got "${text}"`);
  if (match[2] === 'xx') return { text, min: Number(match[1]) * 100, max: Number(match[1]) * 100 + 99 };
  return { text, min: Number(text), max: Number(text) };
}

/**
 * True when the record passes every filter.
 * @example matches(record, logFilter({ status: '5xx' }))
 */
export function matches(record: RouterRecord, filter: LogFilter): boolean {
  if (filter.route !== undefined && record.route !== filter.route) return false;
  if (filter.status && (record.status < filter.status.min || record.status > filter.status.max)) return false;
  if (filter.host !== undefined && record.host !== filter.host) return false;
  if (filter.requestId !== undefined && record.request_id !== filter.requestId) return false;
  return true;
}
