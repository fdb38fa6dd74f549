/**
 * One Workers Analytics Engine data point per request, built from the same record as the log
 * line, so the metrics and the logs can never tell two stories. The layout (which blob and
 * double holds what) is a contract with `npm run stats`; docs/operating.md has it as a table.
 *
 * Limits respected: one index (the route id, at most 64 bytes by the schema, under the 96-byte
 * cap), 7 of 20 blobs (each bounded, under 2 KB together: below the 5 KB total older accounts
 * still have), 5 of 20 doubles, and one data point per request (the cap per invocation is 250).
 */
import type { Env } from '../exchange.ts';
import type { LogRecord } from './log.ts';

/** Name of the Analytics Engine binding in the deploy config. */
export const METRICS_BINDING = 'METRICS';
/** Name of the version-metadata binding in the deploy config. */
export const VERSION_BINDING = 'CF_VERSION_METADATA';
/** The index of a request that matched no route (never a route id: those start with [a-z0-9]). */
export const NO_ROUTE_INDEX = '(none)';

/** Where the response came from: an origin, the edge cache, or the router itself. */
export type AnsweredBy = 'origin' | 'cache' | 'router';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Hosts are at most 253 bytes in DNS; origins are short URLs. Longer text is cut, never sent whole. */
const MAX_TEXT = 256;

/**
 * The data point for one request.
 * @example metricsPoint(logRecord(x, answer), 'v1').indexes // ['api']
 */
export function metricsPoint(record: LogRecord, version: string): Required<AnalyticsEngineDataPoint> {
  return {
    indexes: [record.route ?? NO_ROUTE_INDEX],
    blobs: [
      record.host.slice(0, MAX_TEXT), // blob1
      METHODS.has(record.method) ? record.method : 'OTHER', // blob2
      record.error ?? '', // blob3
      record.cache, // blob4
      answeredBy(record), // blob5
      (record.origin ?? '').slice(0, MAX_TEXT), // blob6
      version.slice(0, 64), // blob7
    ],
    doubles: [
      record.status, // double1
      record.duration_ms, // double2
      record.tries, // double3
      record.origin_status ?? 0, // double4
      isFailover(record) ? 1 : 0, // double5
    ],
  };
}

/**
 * Who produced the response: the router's own errors, preflights and redirects carry no origin.
 * @example answeredBy({ ...record, cache: 'HIT' }) // 'cache'
 */
export function answeredBy(record: LogRecord): AnsweredBy {
  if (record.error !== null) return 'router';
  if (record.cache === 'HIT') return 'cache';
  return record.origin !== null ? 'origin' : 'router';
}

/**
 * True when an origin other than the route's first answered. Failover tries each origin once,
 * in order, so the answering origin is number `tries`.
 * @example isFailover({ ...record, origin: 'https://b.example.net', tries: 2 }) // true
 */
export function isFailover(record: LogRecord): boolean {
  return record.origin !== null && record.tries > 1;
}

/**
 * Writes the request's data point when the Worker has a METRICS binding. Never throws, never
 * waits: Analytics Engine writes are fire-and-forget, and a broken binding must not turn a good
 * response into an error.
 * @example recordMetrics(env, logRecord(x, answer));
 */
export function recordMetrics(env: Env, record: LogRecord): void {
  try {
    const dataset = env[METRICS_BINDING] as AnalyticsEngineDataset | undefined;
    if (typeof dataset?.writeDataPoint !== 'function') return;
    dataset.writeDataPoint(metricsPoint(record, versionId(env)));
  } catch {
    // Metrics are best effort; the response and the log line are what matter.
  }
}

/**
 * The deployed version's id from the version-metadata binding, or '' (local runs, tests).
 * @example versionId(env) // 'a1b2c3d4-...'
 */
export function versionId(env: Env): string {
  const metadata = env[VERSION_BINDING] as Partial<WorkerVersionMetadata> | undefined;
  return typeof metadata?.id === 'string' ? metadata.id : '';
}
