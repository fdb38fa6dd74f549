/**
 * `npm run stats -- [--env NAME] [--since 15m|1h|1d] [--route ID] [--json] [--version A [--against B]]
 *  [--fail-above 5%] [--min-requests N] [--html FILE]`: per-route health of the deployed Worker
 * from its Analytics Engine data points (one per request): requests, 4xx and 5xx rates, the
 * router's errors by code, p50/p95/p99 duration, cache hit ratio, failovers.
 *
 * Needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (Account Analytics: Read); neither is ever
 * printed. Exit 0; 2 when `--fail-above` trips (a route with at least --min-requests requests,
 * default 20, has a 5xx rate strictly above the threshold); 1 on any error.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Io, runIfMain } from './cli/io.ts';
import { checkRouteId } from './cli/route-id.ts';
import { type TargetWorker, targetWorker } from './cli/target-worker.ts';
import {
  DEFAULT_MIN_REQUESTS,
  failing,
  parseMinRequests,
  parseThreshold,
  type Threshold,
  verdict,
} from './stats/alert-rule.ts';
import { renderStatsPage } from './stats/html-page.ts';
import { querySeries, queryStats } from './stats/query-stats.ts';
import { emptyRouteStats, type RouteStats, statsJson } from './stats/route-stats.ts';
import { checkVersionId, type QueryScope } from './stats/sql.ts';
import { type SqlApi, sqlApiFrom } from './stats/sql-api.ts';
import { renderStatsTable } from './stats/table.ts';
import { bucketMinutes, parseWindow, type Window } from './stats/window.ts';

const USAGE =
  'usage: npm run stats -- [--env NAME] [--since 15m|1h|1d] [--route ID] [--json] [--version A [--against B]] [--fail-above 5%] [--min-requests N] [--html FILE]';

const OPTIONS = {
  env: { type: 'string' },
  since: { type: 'string', default: '1h' },
  route: { type: 'string' },
  json: { type: 'boolean', default: false },
  version: { type: 'string' },
  against: { type: 'string' },
  'fail-above': { type: 'string' },
  'min-requests': { type: 'string' },
  html: { type: 'string' },
} as const;

interface StatsOptions {
  /** The environment whose Worker is looked at (default production). */
  env?: string;
  window: Window;
  route?: string;
  versions?: string[];
  json: boolean;
  threshold?: Threshold;
  minRequests: number;
  html?: string;
}

/** Reads and checks every flag before anything is sent. */
function readOptions(argv: string[]): StatsOptions {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.against !== undefined && values.version === undefined)
    throw new Error('--against needs --version');
  const versions = [values.version, values.against].filter((v): v is string => v !== undefined);
  if (versions.length === 2 && versions[0] === versions[1])
    throw new Error('--version and --against are the same');
  if (values.html !== undefined && versions.length > 0)
    throw new Error('--html shows routes, not versions: drop --version');
  return {
    env: values.env,
    window: parseWindow(values.since),
    route: values.route === undefined ? undefined : checkRouteId(values.route),
    versions:
      versions.length > 0
        ? versions.map((v, i) => checkVersionId(v, i ? '--against' : '--version'))
        : undefined,
    json: values.json,
    threshold: values['fail-above'] === undefined ? undefined : parseThreshold(values['fail-above']),
    minRequests:
      values['min-requests'] === undefined ? DEFAULT_MIN_REQUESTS : parseMinRequests(values['min-requests']),
    html: values.html,
  };
}

/** Rows in the order asked for: by route, then `--version` before `--against`, both always shown. */
function compareVersions(rows: RouteStats[], versions: string[]): RouteStats[] {
  const routes = [...new Set(rows.map((row) => row.route))].sort();
  return routes.flatMap((route) =>
    versions.map(
      (version) =>
        rows.find((row) => row.route === route && row.version === version) ?? emptyRouteStats(route, version),
    ),
  );
}

/** Writes the --html page: the table's rows and a time series per route. */
async function writePage(
  api: SqlApi,
  scope: QueryScope,
  rows: RouteStats[],
  file: string,
  io: Io,
): Promise<void> {
  const minutes = bucketMinutes(scope.window);
  const series = await querySeries(api, scope, minutes);
  const page = {
    dataset: scope.dataset,
    window: scope.window.text,
    generatedAt: new Date(),
    bucketMinutes: minutes,
  };
  writeFileSync(resolve(io.cwd, file), renderStatsPage({ ...page, rows, series }));
  io.err(`wrote ${file}`);
}

/** The report on stdout: a table, or JSON with --json. */
function report(
  io: Io,
  options: StatsOptions,
  worker: TargetWorker,
  rows: RouteStats[],
  tripped: RouteStats[],
) {
  if (options.json) {
    const rule = options.threshold && {
      fail_above: options.threshold.text,
      min_requests: options.minRequests,
      failing: tripped.map((row) => (row.version !== undefined ? `${row.route}@${row.version}` : row.route)),
    };
    const body = {
      worker: worker.name,
      dataset: worker.dataset,
      since: options.window.text,
      routes: rows.map(statsJson),
    };
    io.out(JSON.stringify(rule ? { ...body, alert: rule } : body, null, 2));
    return;
  }
  io.out(`Routes of ${worker.name} (dataset ${worker.dataset}), last ${options.window.text}:\n`);
  io.out(rows.length === 0 ? `No requests in the last ${options.window.text}.` : renderStatsTable(rows));
}

/** @example await main(['--since', '15m', '--fail-above', '5%'], processIo()) // 0, or 2 when a route trips */
export async function main(argv: string[], io: Io): Promise<number> {
  let options: StatsOptions;
  try {
    options = readOptions(argv);
  } catch (error) {
    io.err(`stats: ${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  try {
    const api = sqlApiFrom(io.env);
    const worker = targetWorker(io.cwd, { env: options.env });
    const scope: QueryScope = { dataset: worker.dataset, window: options.window, route: options.route };
    if (options.versions) scope.versions = options.versions;
    let rows = await queryStats(api, scope);
    if (options.versions) rows = compareVersions(rows, options.versions);
    if (options.html) await writePage(api, scope, rows, options.html, io);
    const tripped = options.threshold ? failing(rows, options.threshold, options.minRequests) : [];
    report(io, options, worker, rows, tripped);
    if (options.threshold && tripped.length > 0) {
      io.err(verdict(tripped, options.threshold));
      return 2;
    }
    return 0;
  } catch (error) {
    io.err(`stats: ${(error as Error).message}`);
    return 1;
  }
}

runIfMain(import.meta.url, main);
