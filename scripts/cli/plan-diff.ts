/**
 * The plan: what merging a change to routes.yaml will do, route by route and domain by domain.
 * Routes are compared by id, each with `defaults:` merged in (a changed default shows on every
 * route it reaches), field by field. Domains and bindings are compared as the deploy config
 * will declare them (deploy-config.ts), so the plan shows exactly what `wrangler deploy`
 * attaches and detaches. Added and changed routes carry their full effective policy
 * (route-policy.ts). Changes to the Worker's own code and settings come from plan-code.ts.
 * Secret values never appear: a header set from `${env.X}` shows the reference, and literal
 * header values and redirect query values are hidden unless allow-listed (redact.ts).
 */
import type { CompiledTable } from '../../src/table/types.ts';
import { mergeDefaults, type RawConfig, type RawRoute } from '../compiler/config.ts';
import { zoneOf } from '../compiler/zone.ts';
import { type DeployRoute, deployTargets, type RateLimitBinding } from './deploy-config.ts';
import type { CodeChanges } from './plan-code.ts';
import { showHeaderValue, showRedirectTarget } from './redact.ts';
import { type PolicyRow, routePolicy } from './route-policy.ts';

/** One side of the comparison: the parsed file and its compiled table. */
export interface PlanSide {
  config: RawConfig;
  table: CompiledTable;
  /** The Worker's name (wrangler.toml), which rate-limit namespace ids derive from. */
  workerName?: string;
}

export interface FieldChange {
  field: string;
  /** Printable values; null when the field is not set on that side. */
  before: string | null;
  after: string | null;
}

export interface RouteSummary {
  id: string;
  hosts: string[];
  path: string;
  /** `https://origin`, `a, then b` for failover, or `redirect 301 to https://...`. */
  target: string;
  /** The route's full effective policy (defaults and built-in values included). */
  policy: PolicyRow[];
}

export interface Plan {
  base: string;
  /** The environment planned, for a file that declares environments. */
  environment?: string;
  routes: {
    added: RouteSummary[];
    removed: RouteSummary[];
    /** Field by field, then the route's effective policy after the change. */
    changed: Array<{ id: string; fields: FieldChange[]; policy: PolicyRow[] }>;
  };
  /**
   * The Worker the deploy goes to, when its name changes (wrangler.toml's `name`, an
   * environment's `worker:`): the deploy creates that Worker, which takes the custom domains
   * over from the old one, and the old one keeps running.
   */
  worker: { before: string; after: string } | null;
  /** Custom domains and zone routes the deploy attaches or detaches. */
  domains: { attached: DeployRoute[]; detached: DeployRoute[] };
  /**
   * Attached wildcards two or more labels below their zone (`*.preview.example.com`): Universal
   * SSL covers the zone and one label below it only, so their names need another certificate.
   */
  tls: Array<{ pattern: string; zone: string }>;
  /** Changes to what the Worker runs that routes.yaml does not show (source, settings, lockfile). */
  code: CodeChanges;
  /** `check`'s warnings on the new file, as `FILE:LINE:COL message` (absent when there are none). */
  warnings?: string[];
  /** Hosts newly in the table that are not deployed (local names such as *.localhost). */
  localOnly: string[];
  rateLimits: {
    added: RateLimitBinding[];
    removed: RateLimitBinding[];
    changed: Array<{ name: string; before: RateLimitBinding; after: RateLimitBinding }>;
  };
  vars: {
    added: Array<{ name: string; value: string }>;
    removed: Array<{ name: string; value: string }>;
    changed: Array<{ name: string; before: string; after: string }>;
  };
  /** Secret names declared or no longer declared (values live in Cloudflare, never here). */
  secrets: { added: string[]; removed: string[] };
  /** Number of changes listed above; 0 means the merge changes nothing that deploys. */
  changeCount: number;
}

/** A table with no routes: the base of a first commit. */
export const EMPTY_SIDE: PlanSide = {
  config: { version: 1, routes: [] },
  table: { format: 1, routes: [], exact: {}, wildcard: {}, vars: {}, secrets: [] },
};

/**
 * Compares two route tables.
 * @example diffPlan('origin/main', base, head).changeCount // 0 when nothing changed
 */
export function diffPlan(
  base: string,
  before: PlanSide,
  after: PlanSide,
  code: CodeChanges = { files: [], compatibilityDate: null },
): Plan {
  const routesBefore = effectiveRoutes(before.config);
  const routesAfter = effectiveRoutes(after.config);
  const policyOf = (id: string) => {
    const compiled = after.table.routes.find((r) => r.id === id);
    return compiled ? routePolicy(compiled) : [];
  };
  const added = [...routesAfter.keys()].filter((id) => !routesBefore.has(id));
  const removed = [...routesBefore.keys()].filter((id) => !routesAfter.has(id));
  const changed = [...routesAfter.keys()]
    .filter((id) => routesBefore.has(id))
    .map((id) => ({
      id,
      fields: diffFields(routesBefore.get(id) as RawRoute, routesAfter.get(id) as RawRoute),
      policy: policyOf(id),
    }))
    .filter((c) => c.fields.length > 0);

  const targetsBefore = deployTargets(before.table, before.workerName ?? '');
  const targetsAfter = deployTargets(after.table, after.workerName ?? '');
  const key = (r: DeployRoute) => `${r.pattern} ${'zone_name' in r ? r.zone_name : 'custom'}`;
  const minus = (a: DeployRoute[], b: DeployRoute[]) => a.filter((r) => !b.some((s) => key(s) === key(r)));
  const skippedBefore = new Set(targetsBefore.skipped.map((s) => s.host));

  const limitsBefore = new Map(targetsBefore.ratelimits.map((b) => [b.name, b]));
  const limitsAfter = new Map(targetsAfter.ratelimits.map((b) => [b.name, b]));
  const sameLimit = (a: RateLimitBinding, b: RateLimitBinding) =>
    a.namespace_id === b.namespace_id &&
    a.simple.limit === b.simple.limit &&
    a.simple.period === b.simple.period;

  const varsBefore = before.config.vars ?? {};
  const varsAfter = after.config.vars ?? {};
  const secretsBefore = new Set(before.config.secrets ?? []);
  const secretsAfter = new Set(after.config.secrets ?? []);

  const plan: Plan = {
    base,
    routes: {
      added: added.map((id) => ({ ...summarize(routesAfter.get(id) as RawRoute), policy: policyOf(id) })),
      removed: removed.map((id) => ({ ...summarize(routesBefore.get(id) as RawRoute), policy: [] })),
      changed,
    },
    worker: renamed(before.workerName ?? '', after.workerName ?? ''),
    domains: {
      attached: minus(targetsAfter.routes, targetsBefore.routes),
      detached: minus(targetsBefore.routes, targetsAfter.routes),
    },
    tls: minus(targetsAfter.routes, targetsBefore.routes).flatMap(deepWildcard),
    code,
    localOnly: targetsAfter.skipped.map((s) => s.host).filter((h) => !skippedBefore.has(h)),
    rateLimits: {
      added: [...limitsAfter.values()].filter((b) => !limitsBefore.has(b.name)),
      removed: [...limitsBefore.values()].filter((b) => !limitsAfter.has(b.name)),
      changed: [...limitsAfter.values()].flatMap((b) => {
        const old = limitsBefore.get(b.name);
        return old && !sameLimit(old, b) ? [{ name: b.name, before: old, after: b }] : [];
      }),
    },
    vars: {
      added: Object.keys(varsAfter)
        .filter((n) => !(n in varsBefore))
        .sort()
        .map((name) => ({ name, value: String(varsAfter[name]) })),
      removed: Object.keys(varsBefore)
        .filter((n) => !(n in varsAfter))
        .sort()
        .map((name) => ({ name, value: String(varsBefore[name]) })),
      changed: Object.keys(varsAfter)
        .filter((n) => n in varsBefore && varsBefore[n] !== varsAfter[n])
        .sort()
        .map((name) => ({ name, before: String(varsBefore[name]), after: String(varsAfter[name]) })),
    },
    secrets: {
      added: [...secretsAfter].filter((s) => !secretsBefore.has(s)).sort(),
      removed: [...secretsBefore].filter((s) => !secretsAfter.has(s)).sort(),
    },
    changeCount: 0,
  };
  plan.changeCount =
    (plan.worker ? 1 : 0) +
    plan.routes.added.length +
    plan.routes.removed.length +
    plan.routes.changed.length +
    plan.domains.attached.length +
    plan.domains.detached.length +
    plan.rateLimits.added.length +
    plan.rateLimits.removed.length +
    plan.rateLimits.changed.length +
    plan.vars.added.length +
    plan.vars.removed.length +
    plan.vars.changed.length +
    plan.secrets.added.length +
    plan.secrets.removed.length +
    plan.code.files.length;
  return plan;
}

/** A change of Worker name; none when a side has none (a first deploy, a file with no wrangler.toml). */
function renamed(before: string, after: string): Plan['worker'] {
  return before && after && before !== after ? { before, after } : null;
}

/** A zone route whose names sit two or more labels below the zone. */
function deepWildcard(route: DeployRoute): Plan['tls'] {
  if (!('zone_name' in route)) return [];
  const suffix = route.pattern.replace(/^\*\./, '').replace(/\/\*$/, '');
  const zone = zoneOf(suffix);
  return zone.kind === 'zone' && zone.zone !== suffix ? [{ pattern: route.pattern, zone: zone.zone }] : [];
}

/** Routes by id, with defaults merged in (sorted by id for a stable plan). */
function effectiveRoutes(config: RawConfig): Map<string, RawRoute> {
  const routes = config.routes.map((route) => mergeDefaults(config.defaults, route));
  return new Map(routes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => [r.id, r]));
}

function summarize(route: RawRoute): Omit<RouteSummary, 'policy'> {
  const origins =
    route.origin === undefined ? [] : Array.isArray(route.origin) ? route.origin : [route.origin];
  const target = route.redirect
    ? `redirect ${route.redirect.status ?? 301} to ${showRedirectTarget(route.redirect.to)}`
    : origins.map(showRedirectTarget).join(', then ');
  return { id: route.id, hosts: route.hosts, path: route.path ?? '/', target };
}

/** A field's value as written, and as the plan may print it. */
interface Field {
  raw: string;
  shown: string;
}

/**
 * Flattens a route into `field -> value`: objects by dotted path, lists and scalars as one
 * value. Header values and redirect targets are shown through redaction.
 */
function flatten(value: unknown, prefix: string, out: Map<string, Field>): Map<string, Field> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
    return out;
  }
  const raw = Array.isArray(value) ? `[${value.map((v) => printable(v)).join(', ')}]` : printable(value);
  let shown = raw;
  const header = /^headers\.(request|response)\.set\.(.+)$/.exec(prefix);
  if (header) shown = showHeaderValue(header[2] as string, raw);
  if (prefix === 'redirect.to' || /^origin(\.\d+)?$/.test(prefix)) shown = showRedirectTarget(raw);
  out.set(prefix, { raw, shown });
  return out;
}

function printable(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function diffFields(before: RawRoute, after: RawRoute): FieldChange[] {
  const a = flatten(before, '', new Map());
  const b = flatten(after, '', new Map());
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort(fieldOrder);
  return fields.flatMap((field) => {
    const was = a.get(field);
    const now = b.get(field);
    if (was?.raw === now?.raw) return [];
    // Compared as written, printed redacted: a hidden value that changed still shows as a change.
    const same = was !== undefined && now !== undefined && was.shown === now.shown;
    return [
      { field, before: was?.shown ?? null, after: now ? `${now.shown}${same ? ' (changed)' : ''}` : null },
    ];
  });
}

/** hosts, path and the target first (what a reviewer checks first), then the rest by name. */
function fieldOrder(x: string, y: string): number {
  const rank = (f: string) => {
    const i = ['hosts', 'path', 'origin', 'redirect', 'strip_prefix'].findIndex(
      (k) => f === k || f.startsWith(`${k}.`),
    );
    return i === -1 ? 99 : i;
  };
  return rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0);
}
