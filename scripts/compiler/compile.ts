/**
 * Semantic checks and compilation in one pass: each routes.yaml value is parsed once, and is
 * either compiled into the table or reported with its position. Pure (no file system, no ajv),
 * so tests running inside workerd can compile tables of their own with it.
 *
 * A route is compiled by small steps (scripts/compiler/steps/), one per concern; this file merges
 * defaults, runs them in order, and does what concerns the whole table: vars and secrets, the
 * host index, origins that would loop back into the table, and aliases (scripts/compiler/aliases.ts).
 */
import { normalizeHost } from '../../src/routing/host.ts';
import type { CompiledRoute, CompiledTable } from '../../src/table/types.ts';
import { findAliases } from './aliases.ts';
import { findCaseShadows } from './case-shadows.ts';
import { mergeDefaults, type RawConfig, type RawRoute } from './config.ts';
import type { Severity } from './diagnostics.ts';
import { findRedirectLoops } from './redirect-loops.ts';
import { proxyOnlyFields, requiredAfterDefaults } from './schema-rules.ts';
import type { DataPath } from './source.ts';
import { compileAccess } from './steps/access.ts';
import { compileCache } from './steps/cache.ts';
import type { StepContext } from './steps/context.ts';
import { compileCors } from './steps/cors.ts';
import { compileHeaders } from './steps/headers.ts';
import { type Claims, compileIdentity, newClaims } from './steps/identity.ts';
import { compileMethods } from './steps/methods.ts';
import { compileRateLimits } from './steps/rate-limits.ts';
import { compileTarget } from './steps/target.ts';
import { compileTimeouts } from './steps/timeouts.ts';
import { compileUpload } from './steps/upload.ts';
import { compileEnv } from './vars.ts';

/** Receives each problem found; `path` points into the route (or defaults) that holds it. */
export type Reporter = (path: DataPath, message: string, severity?: Severity) => void;

const REQUIRED_AFTER_DEFAULTS = requiredAfterDefaults();

/**
 * Compiles a parsed routes.yaml into the route table, reporting every problem it finds.
 * Without a reporter, the first error throws (handy for tables built in code).
 * @example
 * const table = compileConfig({ version: 1, routes: [{ id: 'api', hosts: ['api.example.com'], origin: 'https://example.net' }] });
 * table.exact['api.example.com'] // [0]
 */
export function compileConfig(config: RawConfig, report?: Reporter): CompiledTable {
  const reportTo: Reporter =
    report ??
    ((path, message, severity = 'error') => {
      if (severity === 'error') throw new Error(`${path.join('.')}: ${message}`);
    });
  const { vars, secrets, declared } = compileEnv(config, reportTo);
  const claims = newClaims();
  const routes = config.routes.map((raw, index) => {
    const ctx: StepContext = {
      report: (path, message, severity) => reportTo(['routes', index, ...path], message, severity),
      declared,
      secrets: new Set(secrets),
    };
    return compileRoute(raw, index, mergeDefaults(config.defaults, raw), ctx, claims);
  });
  const table: CompiledTable = { format: 1, routes, exact: {}, wildcard: {}, vars, secrets };
  indexHosts(table);
  findLoops(table, reportTo);
  findRedirectLoops(table, reportTo);
  findCaseShadows(table, reportTo);
  findSharedBindings(table, reportTo);
  findAliases(table, reportTo);
  return table;
}

/** One route, step by step; `route` has the defaults merged in, `raw` is as written. */
function compileRoute(
  raw: RawRoute,
  index: number,
  route: RawRoute,
  ctx: StepContext,
  claims: Claims,
): CompiledRoute {
  checkRequiredAfterDefaults(route, ctx);
  const methods = compileMethods(route);
  const compiled: CompiledRoute = {
    ...compileIdentity(route, index, ctx, claims),
    ...compileTarget(route, ctx),
    ...methods,
    ...compileCors(route, ctx, methods.methods),
    ...compileCache(route, ctx),
    ...compileHeaders(route, ctx),
    ...compileTimeouts(route, ctx),
    ...compileAccess(route, ctx),
    ...compileRateLimits(route, ctx),
    ...compileUpload(route, ctx),
  };
  if (route.redirect) {
    for (const field of proxyOnlyFields) {
      // `false` (off, often an environment's override of defaults) is harmless: no warning.
      const value = raw[field as keyof RawRoute];
      if (value !== undefined && value !== false)
        ctx.report([field], `${field} has no effect on a redirect route`, 'warning');
    }
  }
  return compiled;
}

/**
 * Keys an object needs once defaults are merged (a route may set part of one in defaults): a
 * missing one is reported and the object left out.
 */
function checkRequiredAfterDefaults(route: RawRoute, ctx: StepContext): void {
  const fields = route as unknown as Record<string, unknown>;
  for (const [field, keys] of REQUIRED_AFTER_DEFAULTS) {
    const values = fields[field];
    const items = (Array.isArray(values) ? values : values ? [values] : []) as Array<Record<string, unknown>>;
    const missing = [...new Set(items.flatMap((item) => keys.filter((key) => item[key] === undefined)))];
    if (missing.length === 0) continue;
    const names = missing.map((key) => `"${key}"`).join(', ');
    const plural = missing.length > 1 ? 's' : '';
    ctx.report(
      [field],
      `${field}: missing required key${plural} ${names} (set here or in defaults.${field})`,
    );
    delete fields[field];
  }
}

/** Fills the host index: exact hosts and wildcard suffixes, each longest path first. */
function indexHosts(table: CompiledTable): void {
  const exact = new Map<string, number[]>();
  const wildcard = new Map<string, number[]>();
  for (const [i, route] of table.routes.entries()) {
    for (const host of route.hosts) {
      const [map, key] = host.startsWith('*.') ? [wildcard, host.slice(2)] : [exact, host];
      map.set(key, [...(map.get(key) ?? []), i]);
    }
  }
  const byPath = (a: number, b: number) => {
    const pa = (table.routes[a] as CompiledRoute).path;
    const pb = (table.routes[b] as CompiledRoute).path;
    return pb.length - pa.length || (pa < pb ? -1 : pa > pb ? 1 : 0);
  };
  for (const key of [...exact.keys()].sort()) table.exact[key] = (exact.get(key) as number[]).sort(byPath);
  for (const key of [...wildcard.keys()].sort())
    table.wildcard[key] = (wildcard.get(key) as number[]).sort(byPath);
}

/** An origin this table itself routes would send requests around in a loop. */
function findLoops(table: CompiledTable, report: Reporter): void {
  for (const [index, route] of table.routes.entries()) {
    for (const [i, origin] of route.origins.entries()) {
      // As the router reads a request's host: every trailing dot dropped (src/routing/host.ts).
      const hostname = normalizeHost(new URL(origin.origin).hostname);
      const parent = hostname.slice(hostname.indexOf('.') + 1);
      if (
        Object.hasOwn(table.exact, hostname) ||
        (hostname.includes('.') && Object.hasOwn(table.wildcard, parent))
      ) {
        const path: DataPath =
          route.origins.length > 1 ? ['routes', index, 'origin', i] : ['routes', index, 'origin'];
        report(path, `origin host ${hostname} is routed by this table itself: requests would loop`);
      }
    }
  }
}

/** Ids that differ only in punctuation or case (`api.v2`, `api-v2`) name the same binding. */
function findSharedBindings(table: CompiledTable, report: Reporter): void {
  const owners = new Map<string, string>();
  for (const [index, route] of table.routes.entries()) {
    for (const { binding } of route.rateLimits) {
      const owner = owners.get(binding);
      if (owner === undefined) owners.set(binding, route.id);
      else
        report(
          ['routes', index, 'rate_limit'],
          `rate-limit binding ${binding} is also route "${owner}"'s: rename one of the routes (bindings are named after ids, in upper case, punctuation as _)`,
        );
    }
  }
}
