/**
 * Per-route counters for `npm start` and `npm run dev`, fed with wrangler's output lines: the
 * router's JSON log line of each request is counted (other lines are ignored), so a user sees
 * the same table `npm run stats` prints, without a Cloudflare account. Durations are kept as a
 * histogram of whole milliseconds, so percentiles are exact and memory stays small on long runs.
 */

import type { LogRecord } from '../../src/pipeline/log.ts';
import { isFailover, NO_ROUTE_INDEX } from '../../src/pipeline/metrics.ts';
import { parseDuration } from '../compiler/values.ts';
import { parseRouterLine } from '../logs/tail-events.ts';
import type { RouteStats } from './route-stats.ts';
import { renderStatsTable } from './table.ts';

interface Counter extends Omit<RouteStats, 'p50' | 'p95' | 'p99'> {
  durations: Map<number, number>;
}

export interface LocalStats {
  /** Counts the line when it is a router log line; true when it was one. */
  add(line: string): boolean;
  rows(): RouteStats[];
}

/**
 * @example const stats = localStats(); stats.add(line); console.log(renderStatsTable(stats.rows()));
 */
export function localStats(): LocalStats {
  const routes = new Map<string, Counter>();
  return {
    add(line) {
      const record = parseRouterLine(line.trim()) as LogRecord | undefined;
      if (!record) return false;
      const route = record.route ?? NO_ROUTE_INDEX;
      const counter = routes.get(route) ?? emptyCounter(route);
      routes.set(route, counter);
      count(counter, record);
      return true;
    },
    rows: () =>
      [...routes.values()]
        .sort((a, b) => (a.route < b.route ? -1 : 1))
        .map(({ durations, ...counts }) => ({
          ...counts,
          errors: { ...counts.errors },
          p50: percentile(durations, counts.requests, 0.5),
          p95: percentile(durations, counts.requests, 0.95),
          p99: percentile(durations, counts.requests, 0.99),
        })),
  };
}

function emptyCounter(route: string): Counter {
  const zero = { requests: 0, status4xx: 0, status5xx: 0, cacheHits: 0, cacheMisses: 0, failovers: 0 };
  return { route, ...zero, errors: {}, durations: new Map() };
}

function count(counter: Counter, record: LogRecord): void {
  counter.requests++;
  if (record.status >= 400 && record.status < 500) counter.status4xx++;
  if (record.status >= 500) counter.status5xx++;
  if (record.error) counter.errors[record.error] = (counter.errors[record.error] ?? 0) + 1;
  if (record.cache === 'HIT') counter.cacheHits++;
  if (record.cache === 'MISS') counter.cacheMisses++;
  if (isFailover(record)) counter.failovers++;
  const ms = Math.max(0, Math.round(Number(record.duration_ms) || 0));
  counter.durations.set(ms, (counter.durations.get(ms) ?? 0) + 1);
}

/**
 * The smallest duration at least `q` of the requests took no longer than (nearest rank, as
 * Analytics Engine's quantileExactWeighted).
 */
function percentile(durations: Map<number, number>, total: number, q: number): number | null {
  if (total === 0) return null;
  let seen = 0;
  for (const ms of [...durations.keys()].sort((a, b) => a - b)) {
    seen += durations.get(ms) ?? 0;
    if (seen >= q * total) return ms;
  }
  return null;
}

/**
 * What `npm start` / `npm run dev` print on Ctrl-C (and every --stats-every).
 * @example console.log(localSummary(stats))
 */
export function localSummary(stats: LocalStats): string {
  const rows = stats.rows();
  if (rows.length === 0) return 'No requests reached the router yet.';
  return `Requests per route since the router started:\n\n${renderStatsTable(rows)}\n`;
}

/**
 * The `onLine` of a local router: counts the router's lines and prints every line as
 * `[router] ...`; with `everyMs`, prints the summary that often too.
 * @example startWrangler({ outDir, port, onLine: countAndEcho(stats, 30_000) })
 */
export function countAndEcho(stats: LocalStats, everyMs?: number, label = 'router'): (line: string) => void {
  if (everyMs) setInterval(() => console.log(`\n${localSummary(stats)}`), everyMs).unref();
  return (line) => {
    stats.add(line);
    console.log(`[${label}] ${line}`);
  };
}

/**
 * Reads `--stats-every` (a duration such as 30s or 1m, at least 1s) into milliseconds.
 * @example statsEvery('30s') // 30000
 */
export function statsEvery(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok || parsed.value < 1000)
    throw new Error(`--stats-every takes a duration of 1s or more, like 30s or 1m; got "${text}"`);
  return parsed.value;
}
