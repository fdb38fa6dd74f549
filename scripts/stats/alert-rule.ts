/**
 * The alert rule of `npm run stats -- --fail-above 5%`: a route trips it when its 5xx rate is
 * strictly above the threshold and it served at least `--min-requests` requests in the window
 * (default 20: with fewer, one failed request is already 5 %, and a quiet route would page
 * someone for a single error). Compared in integers, so 5 failures in 100 is exactly 5 %, which
 * is not above 5 %.
 */
import type { RouteStats } from './route-stats.ts';

/** The default of `--min-requests`. */
export const DEFAULT_MIN_REQUESTS = 20;

export interface Threshold {
  /** As written: `5%`. */
  text: string;
  /** The percentage as a fraction of integers: `percent = numerator / scale`. */
  numerator: number;
  scale: number;
}

/**
 * Reads `--fail-above`: a percentage from 0% to 100% with up to three decimals.
 * @example parseThreshold('0.5%') // { text: '0.5%', numerator: 5, scale: 10 }
 */
export function parseThreshold(text: string): Threshold {
  const match = /^(\d{1,3})(?:\.(\d{1,3}))?%$/.exec(text);
  if (!match) throw new Error(`--fail-above takes a percentage such as 5% or 0.5%; got "${text}"`);
  const decimals = match[2] ?? '';
  const scale = 10 ** decimals.length;
  const numerator = Number(`${match[1]}${decimals}`);
  if (numerator > 100 * scale) throw new Error(`--fail-above ${text} is more than 100%`);
  return { text, numerator, scale };
}

/**
 * Reads `--min-requests`: a whole number of requests, at least 1.
 * @example parseMinRequests('50') // 50
 */
export function parseMinRequests(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text))
    throw new Error(`--min-requests takes a whole number (1 or more); got "${text}"`);
  return Number(text);
}

/**
 * The rows (routes, or routes per version) that trip the rule.
 * @example failing(rows, parseThreshold('5%'), 20).map((r) => r.route) // ['api']
 */
export function failing(rows: RouteStats[], threshold: Threshold, minRequests: number): RouteStats[] {
  return rows.filter(
    (row) =>
      row.requests >= minRequests &&
      // 5xx / requests > numerator / (100 * scale), without dividing.
      row.status5xx * 100 * threshold.scale > threshold.numerator * row.requests,
  );
}

/**
 * One line naming the routes that trip the rule, for the terminal and the alert message.
 * @example verdict([api], parseThreshold('5%')) // '5xx rate above 5% on api (7.1% of 140 requests)'
 */
export function verdict(tripped: RouteStats[], threshold: Threshold): string {
  const names = tripped.map((row) => {
    const label = row.version !== undefined ? `${row.route} @ ${row.version}` : row.route;
    return `${label} (${abovePercent(row, threshold)}% of ${row.requests} requests)`;
  });
  return `5xx rate above ${threshold.text} on ${names.join(', ')}`;
}

/**
 * A tripped row's 5xx rate in percent, with as many decimals as it takes to read above the
 * threshold: 504 in 10,000 is 5.04%, which one decimal would show as 5.0% "above 5%".
 */
function abovePercent(row: RouteStats, threshold: Threshold): string {
  const percent = (row.status5xx / row.requests) * 100;
  for (let digits = 1; digits < 8; digits++) {
    const shown = percent.toFixed(digits);
    if (Number(shown) * threshold.scale > threshold.numerator) return shown;
  }
  return String(percent);
}
