/**
 * IP access rules on CF-Connecting-IP (set by Cloudflare, not by the client; X-Forwarded-For is
 * never trusted). Deny wins; with an allow list, everything else is refused. An absent or
 * unreadable address fails closed whenever an allow list exists.
 */
import type { Exchange } from '../exchange.ts';
import { jsonError } from './errors.ts';
import { inCidr, parseIp } from './ip.ts';

/**
 * @example access(x) // 403 forbidden for 198.51.100.7 under deny: [198.51.100.7/32]
 */
export function access(x: Exchange): Response | undefined {
  const rules = x.matched?.access;
  if (!rules) return undefined;
  const ip = parseIp(x.clientIp);
  const matches = (list: typeof rules.allow) => ip !== null && list.some((c) => inCidr(ip, c.words, c.bits));
  const denied = matches(rules.deny) || (rules.allow.length > 0 && !matches(rules.allow));
  return denied
    ? jsonError(x, 403, 'forbidden', 'Access from this address is not allowed on this route')
    : undefined;
}
