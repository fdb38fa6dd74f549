/**
 * The per-route table printed by `npm run stats` and, from the router's own log lines, by
 * `npm start` / `npm run dev` on Ctrl-C. Numbers right-aligned, `-` where there is nothing to
 * measure (no cache lookups, no requests).
 */
import { cacheHitRatio, type RouteStats, rate } from './route-stats.ts';

/**
 * @example formatCount(1204) // '1,204'
 */
export function formatCount(value: number): string {
  // By hand, not toLocaleString: Intl's first use is slow enough to delay a Ctrl-C summary.
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * @example formatPercent(0.0123) // '1.2%'
 */
export function formatPercent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(1)}%`;
}

/**
 * @example formatMs(12.4) // '12ms'
 */
export function formatMs(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)}ms`;
}

/**
 * The router's errors by code, most frequent first.
 * @example formatErrors({ no_route: 2, bad_gateway: 5 }) // 'bad_gateway 5, no_route 2'
 */
export function formatErrors(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return entries.length === 0 ? '-' : entries.map(([code, n]) => `${code} ${formatCount(n)}`).join(', ');
}

/**
 * The cell texts of one row, in the order of statsHeadings.
 * @example statsCells(row, false).slice(0, 2) // ['api', '1,204']
 */
export function statsCells(row: RouteStats, withVersion: boolean): string[] {
  return [
    row.route,
    ...(withVersion ? [row.version || '(unknown)'] : []),
    formatCount(row.requests),
    formatPercent(rate(row.status4xx, row.requests)),
    formatPercent(rate(row.status5xx, row.requests)),
    formatMs(row.p50),
    formatMs(row.p95),
    formatMs(row.p99),
    formatPercent(cacheHitRatio(row)),
    formatCount(row.failovers),
    formatErrors(row.errors),
  ];
}

/**
 * The column headings of the table.
 * @example statsHeadings(false)[0] // 'ROUTE'
 */
export function statsHeadings(withVersion: boolean): string[] {
  return [
    'ROUTE',
    ...(withVersion ? ['VERSION'] : []),
    'REQUESTS',
    '4XX',
    '5XX',
    'P50',
    'P95',
    'P99',
    'CACHE HIT',
    'FAILOVERS',
    'ROUTER ERRORS',
  ];
}

/**
 * The table as text, one line per route (and version), columns aligned.
 * @example console.log(renderStatsTable(rows))
 */
export function renderStatsTable(rows: RouteStats[]): string {
  const withVersion = rows.some((row) => row.version !== undefined);
  const lines = [statsHeadings(withVersion), ...rows.map((row) => statsCells(row, withVersion))];
  const text = withVersion ? 2 : 1; // route (and version) left-aligned; the last column too
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((cells) => cells[i]?.length ?? 0))) ?? [];
  return lines
    .map((cells) =>
      cells
        .map((cell, i) => {
          const last = i === cells.length - 1;
          if (last) return cell;
          return i < text ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0);
        })
        .join('  '),
    )
    .join('\n');
}
