/**
 * The load test's result: requests sent, statuses, errors by code, body-hash mismatches, cache
 * results, who answered on the failover route (from the router's own log lines) and latency.
 */
import { parseRouterLine } from '../logs/tail-events.ts';
import type { Outcome } from './send.ts';

/**
 * Counts, from the router's JSON log lines, who answered the failover route and in how many tries.
 * @example const tally = new FailoverTally('http://127.0.0.1:9001'); tally.add(line);
 */
export class FailoverTally {
  readonly tries = new Map<string, number>();
  readonly answeredBy = new Map<string, number>();

  constructor(private readonly originA: string) {}

  add(line: string): void {
    const start = line.indexOf('{"request_id"');
    if (start === -1) return;
    const record = parseRouterLine(line.slice(start));
    if (record?.route !== 'failover') return;
    increment(this.tries, String(record.tries));
    increment(this.answeredBy, record.origin === this.originA ? 'A' : record.origin ? 'B' : 'none');
  }
}

export interface RunResult {
  outcomes: Outcome[];
  total: number;
  concurrency: number;
  elapsedSeconds: number;
  failover: FailoverTally;
  restartNote: string;
  logFile: string;
}

/**
 * The result block `npm run load` prints.
 * @example io.out(resultLines(result).join('\n'))
 */
export function resultLines(run: RunResult): string[] {
  const { outcomes, elapsedSeconds: elapsed } = run;
  const statuses = new Map<string, number>();
  const errors = new Map<string, number>();
  const errorsByKind = new Map<string, number>();
  const cache = new Map<string, number>();
  const kinds = new Map<string, number>();
  for (const outcome of outcomes) {
    increment(kinds, outcome.kind);
    increment(statuses, String(outcome.status));
    if (outcome.error) {
      increment(errors, outcome.error);
      increment(errorsByKind, `${outcome.kind}/${outcome.error}`);
    }
    if (outcome.kind.startsWith('cached') && outcome.cache) increment(cache, outcome.cache);
  }
  const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const ms = (p: number) => `${percentile(latencies, p).toFixed(1)} ms`;
  return [
    '',
    '== npm run load: result ==',
    `requests sent:        ${outcomes.length} of ${run.total} in ${elapsed.toFixed(1)} s (${(outcomes.length / elapsed).toFixed(0)} req/s), concurrency ${run.concurrency}`,
    `mix:                  ${table(kinds)}`,
    `statuses:             ${table(statuses)}`,
    `errors by code:       ${errors.size === 0 ? 'none' : table(errors)}`,
    ...(errorsByKind.size ? [`errors by kind:       ${table(errorsByKind)}`] : []),
    `body-hash mismatches: ${mismatches(outcomes)}`,
    `cache (cached route): ${table(cache)}`,
    `failover route:       answered by ${table(run.failover.answeredBy)}; tries ${table(run.failover.tries)}`,
    `origin restart:       ${run.restartNote || 'did not happen (run ended first)'}`,
    `latency:              p50 ${ms(50)}, p99 ${ms(99)}, max ${ms(100)}`,
    `router log:           ${run.logFile}`,
    '',
  ];
}

/**
 * How many answers were complete but wrong (must be 0).
 * @example mismatches(outcomes) // 0
 */
export function mismatches(outcomes: Outcome[]): number {
  return outcomes.filter((outcome) => outcome.mismatch).length;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function table(map: Map<string, number>): string {
  return [...map.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([key, count]) => `${key}: ${count}`)
    .join(', ');
}
