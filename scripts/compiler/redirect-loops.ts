/**
 * A redirect route whose target this same route answers sends every client round in a loop
 * (`a.example.com` redirecting to `https://a.example.com/`, or `/old` to `/old/new`, which keeps
 * the rest of the path and grows it each time). The target is resolved as the router would
 * resolve the request the browser makes next; scheme and port do not route, so they do not help.
 */
import { canonicalPath } from '../../src/routing/canonical-path.ts';
import { normalizeHost } from '../../src/routing/host.ts';
import { createResolver } from '../../src/routing/resolve.ts';
import type { CompiledTable } from '../../src/table/types.ts';
import type { Reporter } from './compile.ts';
import { quotableUrl } from './values.ts';

/**
 * Reports each redirect route whose target resolves back to it.
 * @example findRedirectLoops(table, report)
 */
export function findRedirectLoops(table: CompiledTable, report: Reporter): void {
  const resolver = createResolver(table);
  for (const [index, route] of table.routes.entries()) {
    if (!route.redirect) continue;
    let target: URL;
    try {
      target = new URL(route.redirect.to);
    } catch {
      continue; // reported by the route's own checks
    }
    const path = canonicalPath(target.pathname);
    if (!path.ok) continue;
    if (resolver.resolve(normalizeHost(target.hostname), path.path)?.route !== route) continue;
    report(
      ['routes', index, 'redirect', 'to'],
      `redirect target "${quotableUrl(route.redirect.to)}" is answered by this same route: every request would be redirected round in a loop`,
    );
  }
}
