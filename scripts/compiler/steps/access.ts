/**
 * A route's IP rules: allow and deny lists of CIDRs, parsed into words the Worker compares.
 */
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { parseCidr, valueOrReport } from '../values.ts';
import type { StepContext } from './context.ts';

/** @example compileAccess({ access: { deny: ['198.51.100.7/32'] } }, ctx).access?.deny[0]?.bits // 128 */
export function compileAccess(
  route: Pick<RawRoute, 'access'>,
  ctx: StepContext,
): Pick<CompiledRoute, 'access'> {
  const access = route.access;
  if (!access) return { access: null };
  const list = (key: 'allow' | 'deny') =>
    (access[key] ?? []).flatMap((text, i) => {
      const cidr = valueOrReport(parseCidr(text), (m) => ctx.report(['access', key, i], m));
      return cidr ? [cidr] : [];
    });
  return { access: { allow: list('allow'), deny: list('deny') } };
}
