/**
 * The time window of `npm run stats -- --since 15m`: parsed strictly to integers before any of it
 * reaches SQL, and bounded by Analytics Engine's retention (three months).
 */

export type WindowUnit = 'MINUTE' | 'HOUR' | 'DAY';

export interface Window {
  /** As the user wrote it: `15m`. */
  text: string;
  amount: number;
  unit: WindowUnit;
  seconds: number;
}

const UNITS: Record<string, [WindowUnit, number]> = {
  m: ['MINUTE', 60],
  h: ['HOUR', 3600],
  d: ['DAY', 86_400],
};
const MAX_SECONDS = 90 * 86_400;

/**
 * Reads `--since`: a whole number and a unit, `m`, `h` or `d`.
 * @example parseWindow('15m') // { text: '15m', amount: 15, unit: 'MINUTE', seconds: 900 }
 */
export function parseWindow(text: string): Window {
  const match = /^([1-9][0-9]{0,4})([mhd])$/.exec(text);
  const unit = UNITS[match?.[2] ?? ''];
  if (!match || !unit) {
    throw new Error(`--since takes a whole number and a unit (m, h or d), like 15m, 1h or 1d; got "${text}"`);
  }
  const amount = Number(match[1]);
  const seconds = amount * unit[1];
  if (seconds > MAX_SECONDS)
    throw new Error(`--since ${text} is longer than the 90 days Analytics Engine keeps`);
  return { text, amount, unit: unit[0], seconds };
}

/** Bucket widths for charts, in minutes: the smallest that keeps a chart at most 60 points. */
const BUCKETS = [1, 5, 15, 60, 360, 1440];

/**
 * The width of one time bucket in the charts of a window, in minutes.
 * @example bucketMinutes(parseWindow('1h')) // 1
 */
export function bucketMinutes(window: Window): number {
  return BUCKETS.find((minutes) => window.seconds / (minutes * 60) <= 60) ?? 1440;
}
