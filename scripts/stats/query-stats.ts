/**
 * Per-route stats and per-route time series, read from Analytics Engine: two queries for the
 * table (totals and percentiles; router errors by code), one more for the charts.
 */
import type { RouteStats } from './route-stats.ts';
import { errorsQuery, type QueryScope, seriesQuery, summaryQuery } from './sql.ts';
import { cellNumber, runSql, type SqlApi, type SqlRow } from './sql-api.ts';

/** One time bucket of one route, for the charts. */
export interface SeriesPoint {
  /** Start of the bucket, UTC, as the API writes it (`2026-07-01 12:05:00`). */
  t: string;
  requests: number;
  status4xx: number;
  status5xx: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const count = (row: SqlRow, name: string) => cellNumber(row[name]) ?? 0;
const key = (route: string, version?: string) => `${route}\u0000${version ?? ''}`;

/**
 * The table's rows, one per route (and per version when `scope.versions` is set).
 * @example const rows = await queryStats(api, { dataset: 'edge_router', window: parseWindow('15m') });
 */
export async function queryStats(api: SqlApi, scope: QueryScope): Promise<RouteStats[]> {
  const byVersion = Boolean(scope.versions?.length);
  const [totals, errors] = await Promise.all([
    runSql(api, summaryQuery(scope)),
    runSql(api, errorsQuery(scope)),
  ]);
  const rows = totals.map(
    (row): RouteStats => ({
      route: String(row.route ?? ''),
      ...(byVersion ? { version: String(row.version ?? '') } : {}),
      ...traffic(row),
      errors: {},
      cacheHits: count(row, 'cache_hits'),
      cacheMisses: count(row, 'cache_misses'),
      failovers: count(row, 'failovers'),
    }),
  );
  const index = new Map(rows.map((row) => [key(row.route, row.version), row]));
  for (const row of errors) {
    const target = index.get(key(String(row.route ?? ''), byVersion ? String(row.version ?? '') : undefined));
    if (target) target.errors[String(row.error)] = count(row, 'requests');
  }
  return rows;
}

/**
 * Each route's time series over the window, in buckets of `minutes`.
 * @example const series = await querySeries(api, scope, 5); series.get('api')?.[0]?.requests
 */
export async function querySeries(
  api: SqlApi,
  scope: QueryScope,
  minutes: number,
): Promise<Map<string, SeriesPoint[]>> {
  const series = new Map<string, SeriesPoint[]>();
  for (const row of await runSql(api, seriesQuery(scope, minutes))) {
    const route = String(row.route ?? '');
    const points = series.get(route) ?? [];
    points.push({
      t: String(row.t ?? ''),
      ...traffic(row),
    });
    series.set(route, points);
  }
  return series;
}

/** The columns the summary and the series share: requests, 4xx, 5xx and the percentiles. */
function traffic(row: SqlRow) {
  return {
    requests: count(row, 'requests'),
    status4xx: count(row, 'status_4xx'),
    status5xx: count(row, 'status_5xx'),
    p50: cellNumber(row.p50_ms),
    p95: cellNumber(row.p95_ms),
    p99: cellNumber(row.p99_ms),
  };
}
