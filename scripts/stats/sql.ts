/**
 * The SQL `npm run stats` sends to the Analytics Engine SQL API. Nothing the user types reaches
 * it unchecked: the window is parsed to integers, route ids must match the schema's route-id
 * pattern, version ids a UUID-like pattern, the dataset a plain identifier; and every string is
 * quoted and escaped on top of that. Counts and percentiles are weighted by `_sample_interval`,
 * so sampled data still gives the true totals.
 */
import { checkRouteId } from '../cli/route-id.ts';
import { COLUMNS } from './columns.ts';
import type { Window } from './window.ts';

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** What a query covers. */
export interface QueryScope {
  dataset: string;
  window: Window;
  /** One route only. */
  route?: string;
  /** One or two Worker version ids: rows are then split by version. */
  versions?: string[];
}

/**
 * A SQL string literal: backslashes and single quotes escaped, as ClickHouse reads them.
 * @example sqlString("it's") // "'it\\'s'"
 */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Checks a `--version` / `--against` value: a Worker version id.
 * @example checkVersionId('0f6c1a52-7d3e-4c51-9a0e-2b8f4d6e1a90', '--version')
 */
export function checkVersionId(id: string, flag: string): string {
  if (!VERSION_PATTERN.test(id)) throw new Error(`${flag} "${id}" is not a Worker version id`);
  return id;
}

/** The WHERE clause shared by every query. */
function where(scope: QueryScope): string {
  if (!IDENTIFIER.test(scope.dataset)) throw new Error(`"${scope.dataset}" is not a dataset name`);
  const { amount, unit } = scope.window;
  if (!Number.isInteger(amount)) throw new Error('the window must be a whole number');
  const parts = [`timestamp > NOW() - INTERVAL '${amount}' ${unit}`];
  if (scope.route !== undefined) parts.push(`${COLUMNS.route} = ${sqlString(checkRouteId(scope.route))}`);
  if (scope.versions?.length) {
    const list = scope.versions.map((v) => sqlString(checkVersionId(v, '--version'))).join(', ');
    parts.push(`${COLUMNS.version} IN (${list})`);
  }
  return `FROM ${scope.dataset}\nWHERE ${parts.join(' AND ')}`;
}

/** Group-by keys: the route, and the version when comparing versions. */
function keys(scope: QueryScope, extra: string[] = []): { select: string; group: string } {
  const select = [`${COLUMNS.route} AS route`];
  const group = ['route'];
  if (scope.versions?.length) {
    select.push(`${COLUMNS.version} AS version`);
    group.push('version');
  }
  return { select: [...select, ...extra].join(', '), group: [...group, ...extra.map(alias)].join(', ') };
}

const alias = (expression: string) => expression.split(' AS ').at(-1) ?? expression;
const weighted = (condition: string) => `SUM(IF(${condition}, _sample_interval, 0))`;
const quantile = (q: number, name: string) =>
  `quantileExactWeighted(${q})(${COLUMNS.durationMs}, _sample_interval) AS ${name}`;
const { status, cache, failover } = COLUMNS;

/** Request counts, status classes and latency percentiles: the columns of both queries below. */
const TRAFFIC = [
  'SUM(_sample_interval) AS requests',
  `${weighted(`${status} >= 400 AND ${status} < 500`)} AS status_4xx`,
  `${weighted(`${status} >= 500`)} AS status_5xx`,
  quantile(0.5, 'p50_ms'),
  quantile(0.95, 'p95_ms'),
  quantile(0.99, 'p99_ms'),
];

/**
 * Per route (and version): requests, 4xx, 5xx, percentiles, cache hits and misses, failovers.
 * @example summaryQuery({ dataset: 'edge_router', window: parseWindow('15m') })
 */
export function summaryQuery(scope: QueryScope): string {
  const { select, group } = keys(scope);
  const columns = [
    ...TRAFFIC,
    `${weighted(`${cache} = 'HIT'`)} AS cache_hits`,
    `${weighted(`${cache} = 'MISS'`)} AS cache_misses`,
    `${weighted(`${failover} = 1`)} AS failovers`,
  ];
  return `SELECT ${select},\n  ${columns.join(',\n  ')}\n${where(scope)}\nGROUP BY ${group}\nORDER BY ${group}\nFORMAT JSON`;
}

/**
 * The router's own errors per route (and version), by error code.
 * @example errorsQuery({ dataset: 'edge_router', window: parseWindow('1h'), route: 'api' })
 */
export function errorsQuery(scope: QueryScope): string {
  const { select, group } = keys(scope, [`${COLUMNS.error} AS error`]);
  return `SELECT ${select},\n  SUM(_sample_interval) AS requests\n${where(scope)} AND ${COLUMNS.error} != ''\nGROUP BY ${group}\nORDER BY ${group}\nFORMAT JSON`;
}

/**
 * Per route and time bucket, for the charts: requests, 4xx, 5xx and percentiles.
 * @example seriesQuery({ dataset: 'edge_router', window: parseWindow('1d') }, 60)
 */
export function seriesQuery(scope: QueryScope, minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 1)
    throw new Error('the bucket must be a whole number of minutes');
  const bucket = `toStartOfInterval(timestamp, INTERVAL '${minutes}' MINUTE) AS t`;
  const routesOnly = { ...scope, versions: undefined };
  const { select, group } = keys(routesOnly, [bucket]);
  return `SELECT ${select},\n  ${TRAFFIC.join(',\n  ')}\n${where(routesOnly)}\nGROUP BY ${group}\nORDER BY ${group}\nFORMAT JSON`;
}
