/**
 * Redirect routes answer at the edge: the target, plus the path below the route prefix and
 * the query when `keep_path` is on.
 */
import type { Exchange } from '../exchange.ts';
import { forwardPath } from '../routing/upstream.ts';

/** @example redirect(x) // 301 Location: https://example.com/a?q=1 for www.example.com/a?q=1 */
export function redirect(x: Exchange): Response | undefined {
  const rule = x.matched?.redirect;
  if (!x.matched || !rule) return undefined;
  const rest = forwardPath({ path: x.matched.path, stripPrefix: true }, x.path);
  const location = rule.keepPath ? `${rule.to.replace(/\/$/, '')}${rest || '/'}${x.search}` : rule.to;
  return new Response(null, { status: rule.status, headers: { location } });
}
