/**
 * A route's three clocks: `timeout` until response headers (every try), `try_timeout` for one
 * try (by default the timeout shared equally between the route's origins), and `idle_timeout`,
 * the longest pause in a response body.
 */
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import { parseDuration, valueOrReport } from '../values.ts';
import type { StepContext } from './context.ts';

const DEFAULTS = defaultsOf('route') as { timeout: string };
const RANGES = {
  timeout: [10, 15 * 60_000, '10ms to 15m'],
  try_timeout: [10, 15 * 60_000, '10ms to 15m'],
  idle_timeout: [1000, 60 * 60_000, '1s to 1h'],
} as const;

/** @example compileTimeouts({ timeout: '10s', origin: [a, b] }, ctx).tryTimeoutMs // 5000 */
export function compileTimeouts(
  route: RawRoute,
  ctx: StepContext,
): Pick<CompiledRoute, 'timeoutMs' | 'tryTimeoutMs' | 'idleTimeoutMs'> {
  const timeoutMs = duration('timeout', route.timeout ?? DEFAULTS.timeout, ctx) ?? 0;
  // No idle timeout unless asked for: the body then streams natively (see the schema's reason).
  const idleTimeoutMs = route.idle_timeout ? (duration('idle_timeout', route.idle_timeout, ctx) ?? 0) : 0;
  const origins = Array.isArray(route.origin) ? route.origin.length : 1;
  if (route.try_timeout === undefined) {
    return {
      timeoutMs,
      tryTimeoutMs: Math.max(RANGES.try_timeout[0], Math.floor(timeoutMs / origins)),
      idleTimeoutMs,
    };
  }
  const tryTimeoutMs = duration('try_timeout', route.try_timeout, ctx) ?? 0;
  if (tryTimeoutMs > timeoutMs && timeoutMs > 0) {
    ctx.report(
      ['try_timeout'],
      `try_timeout ${route.try_timeout} is longer than the route's timeout ${route.timeout ?? DEFAULTS.timeout}`,
    );
  }
  return { timeoutMs, tryTimeoutMs, idleTimeoutMs };
}

function duration(field: keyof typeof RANGES, text: string, ctx: StepContext): number | undefined {
  const ms = valueOrReport(parseDuration(text), (m) => ctx.report([field], m));
  if (ms === undefined) return undefined;
  const [min, max, range] = RANGES[field];
  if (ms < min || ms > max)
    ctx.report([field], `${field.replace('_', ' ')} ${text} is out of range: use ${range}`);
  return ms;
}
