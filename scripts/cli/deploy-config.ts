/**
 * The deploy configuration: the hand-kept wrangler.toml merged with what the route table needs,
 * written as `wrangler.json` beside the compiled table. Adding a host to routes.yaml alone
 * changes what deploys:
 *
 * - every exact host becomes a Custom Domain (`{pattern, custom_domain: true}`): Cloudflare
 *   creates its DNS record and certificate;
 * - every wildcard host becomes a zone route (`{pattern: '*.example.com/*', zone_name}`), the zone
 *   found with the Public Suffix List (Custom Domains cannot be wildcards);
 * - `vars` from routes.yaml join the Worker's vars;
 * - each route with a `rate_limit` gets its Rate Limiting binding, with a namespace id derived
 *   from the Worker's name and the route id: it stays the same from deploy to deploy, and two
 *   Workers of one account (staging and production) never count in the same namespace;
 * - the metrics bindings: an Analytics Engine dataset named after the Worker (`METRICS`) and the
 *   version metadata (`CF_VERSION_METADATA`), so each request's data point names its version.
 *
 * Output is deterministic: the same inputs give the same bytes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { METRICS_BINDING, VERSION_BINDING } from '../../src/pipeline/metrics.ts';
import type { CompiledTable } from '../../src/table/types.ts';
import { renderEntryModule, srcImportFrom } from '../compiler/emit.ts';
import { metricsDataset, workerName } from '../compiler/environments.ts';
import { zoneOf } from '../compiler/zone.ts';
import { writeRootRedirect } from './wrangler-redirect.ts';

export type DeployRoute = { pattern: string; custom_domain: true } | { pattern: string; zone_name: string };

export interface RateLimitBinding {
  name: string;
  namespace_id: string;
  simple: { limit: number; period: 10 | 60 };
}

/** What a route table asks of the deployment, before it is merged with wrangler.toml. */
export interface DeployTargets {
  routes: DeployRoute[];
  ratelimits: RateLimitBinding[];
  /** Hosts that cannot be deployed because they are not public names (served only locally). */
  skipped: Array<{ host: string; reason: string }>;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A stable Rate Limiting namespace id for a Worker's limit: FNV-1a of the Worker name and the
 * limit's key, as a positive integer string (the binding's namespace is a number unique within
 * the account, so two Workers, staging and production, never share a counter).
 * @example namespaceId('edge-router', 'api') // the same string on every build
 */
export function namespaceId(worker: string, key: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(`${worker}/${key}`)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Kept clear of small hand-picked ids (1001, ...) and inside a signed 32-bit integer.
  return String(1_000_000 + (hash % 2_000_000_000));
}

/**
 * What the table needs deployed: custom domains, zone routes and rate-limit bindings.
 * @example deployTargets(table, 'edge-router').routes // [{ pattern: 'api.example.com', custom_domain: true }, ...]
 */
export function deployTargets(
  table: CompiledTable,
  worker: string,
  takenIds: Iterable<string> = [],
): DeployTargets {
  const routes: DeployRoute[] = [];
  const skipped: DeployTargets['skipped'] = [];
  for (const host of Object.keys(table.exact).sort()) {
    const zone = zoneOf(host);
    if (zone.kind === 'local') skipped.push({ host, reason: zone.reason });
    else routes.push({ pattern: host, custom_domain: true });
  }
  for (const suffix of Object.keys(table.wildcard).sort()) {
    const zone = zoneOf(suffix);
    if (zone.kind === 'zone') routes.push({ pattern: `*.${suffix}/*`, zone_name: zone.zone });
    else if (zone.kind === 'local') skipped.push({ host: `*.${suffix}`, reason: zone.reason });
    // check refuses public-suffix hosts (steps/identity.ts): only an unchecked table gets here.
    else throw new Error(`host *.${suffix} cannot be deployed: ${zone.reason}`);
  }

  const taken = new Set(takenIds);
  const ratelimits: RateLimitBinding[] = [];
  const limited = table.routes.filter((r) => r.rateLimits.length > 0).sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const route of limited) {
    for (const [index, policy] of route.rateLimits.entries()) {
      // A collision of two hashes (or with a hand-kept id) moves to the next free number.
      let id = Number(namespaceId(worker, index === 0 ? route.id : `${route.id}#${index + 1}`));
      while (taken.has(String(id))) id++;
      taken.add(String(id));
      ratelimits.push({
        name: policy.binding,
        namespace_id: String(id),
        simple: { limit: policy.limit, period: policy.period },
      });
    }
  }
  return { routes, ratelimits, skipped };
}

export interface DeployConfigResult {
  config: Record<string, unknown>;
  targets: DeployTargets;
  warnings: string[];
}

/**
 * Merges the hand-kept wrangler config (parsed wrangler.toml) with the table's needs.
 * `main` and `$schema` are paths relative to the folder the config is written to.
 * @example deployConfig(parseToml(toml), table, { main: '../index.ts' }).config.routes
 */
export function deployConfig(
  hand: Record<string, unknown>,
  table: CompiledTable,
  paths: { main: string; schema?: string },
  worker?: string,
): DeployConfigResult {
  const warnings: string[] = [];
  const handRateLimits = Array.isArray(hand.ratelimits) ? (hand.ratelimits as RateLimitBinding[]) : [];
  const name = workerName(String(hand.name), table.environment, worker);
  const targets = deployTargets(
    table,
    name,
    handRateLimits.map((b) => String(b.namespace_id)),
  );
  for (const { host, reason } of targets.skipped) {
    warnings.push(`host ${host} is left out of the deploy config (${reason}); it is served only locally`);
  }

  const handVars = (hand.vars ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(table.vars)) {
    if (name in handVars && handVars[name] !== value)
      warnings.push(`var ${name} is set in both wrangler.toml and routes.yaml; routes.yaml's value is used`);
  }
  const vars = { ...handVars, ...table.vars };
  const handRoutes = Array.isArray(hand.routes) ? (hand.routes as DeployRoute[]) : [];
  const routes = [
    ...handRoutes,
    ...targets.routes.filter((r) => !handRoutes.some((h) => h.pattern === r.pattern)),
  ];

  // `build` is the hand-kept file's guard (wrangler-guard.ts): a generated config gets its own.
  const {
    name: _name,
    main: _main,
    routes: _routes,
    vars: _vars,
    ratelimits: _rl,
    build: _build,
    ...rest
  } = hand;
  const metrics = metricsBindings(hand, name, warnings);
  const config: Record<string, unknown> = {
    ...(paths.schema ? { $schema: paths.schema } : {}),
    name,
    main: paths.main,
    ...rest,
    routes,
    ...(Object.keys(vars).length > 0 ? { vars } : {}),
    ...(handRateLimits.length + targets.ratelimits.length > 0
      ? { ratelimits: [...handRateLimits, ...targets.ratelimits] }
      : {}),
    ...metrics,
  };
  return { config, targets, warnings };
}

/** The metrics bindings, kept beside any other dataset wrangler.toml declares. */
function metricsBindings(hand: Record<string, unknown>, worker: string, warnings: string[]) {
  const dataset = metricsDataset(worker);
  const handDatasets = Array.isArray(hand.analytics_engine_datasets)
    ? (hand.analytics_engine_datasets as Array<{ binding: string; dataset?: string }>)
    : [];
  const replaced = handDatasets.find((d) => d.binding === METRICS_BINDING);
  if (replaced && replaced.dataset !== dataset)
    warnings.push(`wrangler.toml's ${METRICS_BINDING} binding is replaced by the metrics dataset ${dataset}`);
  const version = hand.version_metadata as { binding?: string } | undefined;
  if (version && version.binding !== VERSION_BINDING)
    warnings.push(`wrangler.toml's version_metadata binding is renamed ${VERSION_BINDING}`);
  return {
    analytics_engine_datasets: [
      ...handDatasets.filter((d) => d.binding !== METRICS_BINDING),
      { binding: METRICS_BINDING, dataset },
    ],
    version_metadata: { binding: VERSION_BINDING },
  };
}

/**
 * Reads and parses a wrangler.toml.
 * @example readWranglerToml('wrangler.toml').name // 'edge-router'
 */
export function readWranglerToml(file: string): Record<string, unknown> {
  try {
    return parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * wrangler.toml's `name`, which every environment's Worker name derives from, or undefined
 * when the file cannot be read (build then says why).
 * @example handWorkerName() // 'edge-router'
 */
export function handWorkerName(wranglerToml = join(projectRoot, 'wrangler.toml')): string | undefined {
  try {
    const name = readWranglerToml(wranglerToml).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Renders the config as stable JSON (two-space indent, trailing newline). */
export function renderDeployConfig(config: Record<string, unknown>): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** A relative module path as wrangler and esbuild want it, with forward slashes. */
function relativePath(from: string, to: string): string {
  return relative(from, to).split(sep).join('/');
}

/**
 * Every wrangler command at the repository root that bundles (`npx wrangler dev`, `deploy`,
 * `versions upload`) runs this first, through wrangler's custom build step; see
 * scripts/wrangler-guard.ts. It runs in the folder wrangler runs in: the project root.
 */
export const GENERATED_GUARD = { command: 'node --import tsx scripts/wrangler-guard.ts generated' };

export interface GeneratedBuild extends DeployConfigResult {
  /** `wrangler.json` in the output folder, and its text. */
  file: string;
  text: string;
  /** The Worker entry written beside it (folders other than src/generated), and its text. */
  entry: { file: string; text: string } | null;
  /**
   * For src/generated: the config the root's wrangler commands are redirected to. The same
   * without `routes`: `wrangler dev` would otherwise send every request to the first route's host,
   * and a version upload carries no routes anyway.
   */
  root: { file: string; text: string } | null;
}

/**
 * What a build writes into `outDir` besides the table, without writing it. For the default
 * `src/generated` of the project `root` (default: this one) the entry is `src/index.ts` and the
 * config carries the root-command guard; any
 * other folder gets its own `index.ts` entry over its own table, so each build folder deploys
 * exactly the table it holds.
 * @example renderGeneratedBuild('src/generated', table).text // the wrangler.json text
 */
export function renderGeneratedBuild(
  outDir: string,
  table: CompiledTable,
  options: { wranglerToml?: string; root?: string; worker?: string } = {},
): GeneratedBuild {
  const root = options.root ?? projectRoot;
  const dir = resolve(outDir);
  const hand = readWranglerToml(options.wranglerToml ?? join(root, 'wrangler.toml'));
  const isDefault = dir === join(root, 'src', 'generated');
  const entry = isDefault ? join(root, 'src', 'index.ts') : join(dir, 'index.ts');
  const result = deployConfig(
    hand,
    table,
    {
      main: relativePath(dir, entry),
      schema: relativePath(dir, join(root, 'node_modules', 'wrangler', 'config-schema.json')),
    },
    options.worker,
  );
  if (isDefault) result.config.build = GENERATED_GUARD;
  const { routes: _routes, ...routeless } = result.config;
  return {
    ...result,
    file: join(outDir, 'wrangler.json'),
    text: renderDeployConfig(result.config),
    root: isDefault
      ? { file: join(outDir, 'wrangler.root.json'), text: renderDeployConfig(routeless) }
      : null,
    entry: isDefault
      ? null
      : {
          file: entry,
          text: renderEntryModule(
            srcImportFrom(dir),
            'Generated by `npm run build`: the Worker over the table in this folder.',
          ),
        },
  };
}

/**
 * Writes `wrangler.json` into `outDir` (beside table.ts), the entry of a folder other than
 * src/generated, and for src/generated `wrangler.root.json` and the redirect that makes
 * `npx wrangler dev` (and `deploy`, which its guard refuses) at the root use it
 * (.wrangler/deploy/config.json).
 * @example writeDeployConfig('src/generated', table) // { file: 'src/generated/wrangler.json', ... }
 */
export function writeDeployConfig(
  outDir: string,
  table: CompiledTable,
  options: { wranglerToml?: string; worker?: string } = {},
): GeneratedBuild {
  const build = renderGeneratedBuild(outDir, table, options);
  mkdirSync(resolve(outDir), { recursive: true });
  if (build.entry) writeFileSync(build.entry.file, build.entry.text);
  writeFileSync(build.file, build.text);
  if (build.root) {
    writeFileSync(build.root.file, build.root.text);
    writeRootRedirect(projectRoot, build.root.file);
  }
  return build;
}
