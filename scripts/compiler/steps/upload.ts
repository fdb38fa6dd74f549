/**
 * What a route accepts from the client's body: `max_body`, and how failover may replay a body
 * (`retry`).
 */
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import { parseSize, valueOrReport } from '../values.ts';
import type { StepContext } from './context.ts';

/** The largest body failover may hold for a replay: each one is in memory twice, briefly. */
const MAX_REPLAY_BODY = 16 * 1024 * 1024;

const RETRY_DEFAULTS = defaultsOf('retry') as { non_idempotent: boolean; max_replay_body: string | number };

/** @example compileUpload({ max_body: '10mb' }, ctx).maxBody // 10485760 */
export function compileUpload(
  route: Pick<RawRoute, 'max_body' | 'retry'>,
  ctx: StepContext,
): Pick<CompiledRoute, 'maxBody' | 'retry'> {
  const retry = { ...RETRY_DEFAULTS, ...route.retry };
  const maxBody =
    route.max_body === undefined
      ? null
      : (valueOrReport(parseSize(route.max_body), (m) => ctx.report(['max_body'], m)) ?? null);
  const maxReplayBody = valueOrReport(parseSize(retry.max_replay_body), (m) =>
    ctx.report(['retry', 'max_replay_body'], m),
  );
  if (maxReplayBody != null && maxReplayBody > MAX_REPLAY_BODY)
    ctx.report(
      ['retry', 'max_replay_body'],
      `max_replay_body is at most 16mb: a body kept for replay is held in memory (twice while it is joined), and a Worker has 128 MB`,
    );
  return { maxBody, retry: { nonIdempotent: retry.non_idempotent, maxReplayBody: maxReplayBody ?? 0 } };
}
