/**
 * IP access rules on CF-Connecting-IP (set by Cloudflare, not by the client; X-Forwarded-For is
 * never trusted). Deny wins; with an allow list, everything else is refused. An absent or
 * unreadable address fails closed under any rule: nothing shows it is outside a deny list.
 */
import type { CompiledCidr, CompiledRoute } from '../table/types.ts';
import { jsonError } from './answer.ts';
import { inCidr, parseIp } from './ip.ts';
import type { StageFactory } from './stage.ts';

export interface AccessDecision {
  allowed: boolean;
  /** Why, in words (for `explain`). */
  reason: string;
}

/**
 * The one access decision, shared by the Worker and `explain`.
 * @example accessDecision({ allow: [], deny: [cidr('198.51.100.7/32')] }, '198.51.100.7').allowed // false
 */
export function accessDecision(
  rules: NonNullable<CompiledRoute['access']>,
  clientIp: string,
): AccessDecision {
  const ip = parseIp(clientIp);
  if (ip === null && (rules.deny.length > 0 || rules.allow.length > 0))
    return { allowed: false, reason: 'the client address is unknown, so no rule can clear it' };
  const hit = (list: CompiledCidr[]) =>
    ip === null ? undefined : list.find((c) => inCidr(ip, c.words, c.bits));
  const denied = hit(rules.deny);
  if (denied) return { allowed: false, reason: `${clientIp} is in the deny list (${denied.text})` };
  if (rules.allow.length === 0) return { allowed: true, reason: 'not denied' };
  const allowed = hit(rules.allow);
  return allowed
    ? { allowed: true, reason: `${clientIp} is in the allow list (${allowed.text})` }
    : { allowed: false, reason: `${clientIp} is not in the allow list` };
}

/** @example access(route) // a stage answering 403 forbidden for 198.51.100.7 under deny: [198.51.100.7/32] */
export const access: StageFactory = (route) => {
  const rules = route.access;
  if (!rules) return null;
  return (x, next) =>
    accessDecision(rules, x.clientIp).allowed
      ? next(x)
      : jsonError(x, 'access', 403, 'forbidden', 'Access from this address is not allowed on this route');
};
