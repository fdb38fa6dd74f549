/**
 * Environments: one routes.yaml, several Workers. An environment says only what differs: a host
 * mapping by domain, an origin mapping, var values, and per-route overrides where a mapping does
 * not fit. Applying one turns the file into a plain table for that environment, which the rest
 * of the compiler handles as it handles a file without environments.
 *
 * Outside production every host must be mapped (or its route's hosts overridden), and no host
 * may be one another environment serves or reaches through a wildcard: a staging Worker never
 * claims production's domains, nor production's wildcard staging's.
 */
import { normalizeHost } from '../../src/routing/host.ts';
import type { Reporter } from './compile.ts';
import { mergeKeepingOff, type RawConfig, type RawEnvironment, type RawRoute } from './config.ts';
import { type DataPath, loadSource } from './source.ts';
import { parseOriginUrl, parseRouteHost } from './values.ts';
import { zoneOf } from './zone.ts';

/** The environment commands use when none is named. */
export const DEFAULT_ENVIRONMENT = 'production';

/**
 * The environments a file declares, production first; empty for a file without any.
 * @example environmentNames(config) // ['production', 'staging']
 */
export function environmentNames(config: Pick<RawConfig, 'environments'>): string[] {
  const names = Object.keys(config.environments ?? {});
  return names.sort((a, b) =>
    a === DEFAULT_ENVIRONMENT ? -1 : b === DEFAULT_ENVIRONMENT ? 1 : a < b ? -1 : 1,
  );
}

/**
 * The file as the named environment sees it: mappings and overrides applied, no environments
 * left. Problems are reported at the environment's keys or at the route hosts they concern.
 * @example applyEnvironment(config, 'staging', report).routes[0].hosts // ['api.staging.example.com']
 */
export function applyEnvironment(
  config: RawConfig,
  name: string,
  report: Reporter,
  against: 'earlier' | 'all' = 'earlier',
): RawConfig {
  const { placed, table } = placeRoutes(config, name, report);
  // Checking every environment, each pair once: an environment gives way to those before it
  // (production first). Checking one alone (`--env`), against every other.
  const names = environmentNames(config);
  const earlier = names.slice(0, Math.max(0, names.indexOf(name)));
  const mine = { name, hosts: placed.flatMap((p) => p.hosts) };
  for (const other of against === 'all' ? names.filter((n) => n !== name) : earlier) {
    const theirs = {
      name: other,
      hosts: placeRoutes(config, other, () => undefined).placed.flatMap((p) => p.hosts),
    };
    // The later of the two environments is the one to move: its host is where the error points.
    if (earlier.includes(other)) refuseSharedHosts(mine, theirs, report);
    else refuseSharedHosts(theirs, mine, report);
  }
  return table;
}

/** The environment's routes with their hosts placed, and the plain table they make. */
function placeRoutes(
  config: RawConfig,
  name: string,
  report: Reporter,
): { placed: Array<{ hosts: EnvironmentHost[] }>; table: RawConfig } {
  const { environments, ...rest } = config;
  const environment = environments?.[name] ?? {};
  const at = ['environments', name];
  const ids = new Set(config.routes.map((route) => route.id));
  for (const id of Object.keys(environment.routes ?? {})) {
    if (!ids.has(id)) report([...at, 'routes', id], `environments.${name}.routes: there is no route "${id}"`);
  }
  for (const varName of Object.keys(environment.vars ?? {})) {
    if (!(varName in (config.vars ?? {}))) {
      report(
        [...at, 'vars', varName],
        `environments.${name}.vars: ${varName} is not declared in vars: at the top`,
      );
    }
  }
  checkMappings(environment, name, report);
  const placed = config.routes.map((route, index) =>
    environmentRoute(route, index, name, environment, report),
  );
  const routes = placed.map((p) => p.route);
  const vars = { ...(config.vars ?? {}), ...(environment.vars ?? {}) };
  return { placed, table: { ...rest, vars, routes } };
}

/**
 * Two environments must not deploy to one Worker: deploying one would replace the other. Each
 * name is the environment's `worker`, or, when wrangler.toml's name (`base`) is known, the name
 * it derives (production: the base; any other: base-NAME). Without `base` only the names the
 * file sets are compared.
 * @example checkWorkerNames({ environments: { production: {}, staging: { worker: 'edge-router' } } }, report, 'edge-router') // reports staging.worker
 */
export function checkWorkerNames(
  config: Pick<RawConfig, 'environments'>,
  report: Reporter,
  base?: string,
): void {
  const owners = new Map<string, string>();
  const datasets = new Map<string, { environment: string; worker: string }>();
  for (const name of environmentNames(config)) {
    const set = config.environments?.[name]?.worker;
    const worker = base === undefined ? set : workerName(base, name, set);
    if (worker === undefined) continue;
    // Where a problem with the name is shown: the `worker:` written, else the environment.
    const at: DataPath = set !== undefined ? ['environments', name, 'worker'] : ['environments', name];
    if (worker.length > 63)
      report(
        at,
        `environments.${name}: its Worker name ${worker} is ${worker.length} characters, over Cloudflare's 63: set environments.${name}.worker`,
      );
    const owner = owners.get(worker);
    const dataset = datasets.get(metricsDataset(worker));
    if (owner === undefined && dataset === undefined) {
      owners.set(worker, name);
      datasets.set(metricsDataset(worker), { environment: name, worker });
    } else if (owner === undefined && dataset !== undefined)
      report(
        at,
        `environments.${name}: its Worker ${worker} would write its metrics to the dataset ${metricsDataset(worker)}, as ${dataset.environment}'s Worker ${dataset.worker} does, and stats and the alert would mix the two: pick a name that differs in more than - and _`,
      );
    else if (set !== undefined)
      report(
        at,
        `environments.${name}.worker: ${worker} is also ${owner}'s Worker, and deploying one would replace the other`,
      );
    else
      report(
        at,
        `environments.${name}: its Worker would be ${worker} (wrangler.toml's name${name === DEFAULT_ENVIRONMENT ? '' : ` + "-${name}"`}), which is also ${owner}'s, and deploying one would replace the other: set environments.${name}.worker`,
      );
  }
}

/**
 * The Analytics Engine dataset a Worker writes its metrics to, named after the Worker: every
 * character outside `a-z 0-9 _` becomes `_` (so the name is a plain SQL identifier), and a
 * leading digit gets a `_` in front. `npm run stats` queries the same name, and checkWorkerNames
 * refuses two environments whose names meet in one dataset (`edge-router`, `edge_router`).
 * @example metricsDataset('edge-router') // 'edge_router'
 */
export function metricsDataset(workerName: string): string {
  const name = workerName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[a-z_]/.test(name) ? name : `_${name}`;
}

/**
 * The Worker's name in an environment: the one it sets, else wrangler.toml's name for production
 * (and for a table without environments), else NAME-ENVIRONMENT. Each environment is its own
 * Worker, so nothing (domains, bindings, counters) is shared by accident.
 * @example workerName('edge-router', 'staging') // 'edge-router-staging'
 */
export function workerName(base: string, environment?: string, override?: string): string {
  if (override) return override;
  return environment === undefined || environment === DEFAULT_ENVIRONMENT ? base : `${base}-${environment}`;
}

/**
 * A mapping key that is not a domain or an origin would never match, and a value that is not
 * one would make every host or origin it maps unusable: both are errors, not dead entries.
 */
function checkMappings(environment: RawEnvironment, name: string, report: Reporter): void {
  const at = (field: string, key: string): DataPath => ['environments', name, field, key];
  for (const [key, value] of Object.entries(environment.hosts ?? {})) {
    const parsedKey = parseRouteHost(key);
    if (!parsedKey.ok)
      report(at('hosts', key), `environments.${name}.hosts: ${parsedKey.error} (a key of the mapping)`);
    if (!isDomain(value))
      report(
        at('hosts', key),
        `environments.${name}.hosts: ${key} maps to "${value}", which is not a domain`,
      );
  }
  for (const [key, value] of Object.entries(environment.origins ?? {})) {
    const parsedKey = parseOriginUrl(key);
    if (!parsedKey.ok)
      report(at('origins', key), `environments.${name}.origins: ${parsedKey.error} (a key of the mapping)`);
    else if (originKey(key) === null)
      report(
        at('origins', key),
        `environments.${name}.origins: key "${key}" has a path: a key is scheme://host[:port]`,
      );
    const parsed = parseOriginUrl(value);
    if (!parsed.ok) report(at('origins', key), `environments.${name}.origins: ${parsed.error}`);
  }
}

/** An origin mapping key as `URL.origin` writes it (default port dropped), or null when it has a path. */
function originKey(key: string): string | null {
  const rest = key.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  if (!/^\/*$/.test(rest)) return null;
  try {
    return serverOrigin(new URL(key));
  } catch {
    return null;
  }
}

/**
 * scheme://host[:port] with the host as requests reach it: lower-case, no trailing dots, so
 * `https://o.example.net.` maps as `https://o.example.net` does (the URL parser keeps the dot).
 */
function serverOrigin(url: URL): string {
  return `${url.protocol}//${normalizeHost(url.hostname)}${url.port ? `:${url.port}` : ''}`;
}

/** One route in one environment: its override merged over it, hosts and origins mapped. */
function environmentRoute(
  route: RawRoute,
  index: number,
  name: string,
  environment: RawEnvironment,
  report: Reporter,
): { route: RawRoute; hosts: EnvironmentHost[] } {
  const override = environment.routes?.[route.id];
  // `false` is kept: the defaults, merged later, must see it to drop what they set.
  const merged = override ? mergeKeepingOff(route, { ...override, id: route.id } as RawRoute) : route;
  const placed = environmentHosts(route, index, name, environment, report);
  const hosts = placed.map((h) => h.host);
  const mapOne = (text: string): string => mapOrigin(text, environment.origins ?? {})?.origin ?? text;
  const origin =
    override?.origin !== undefined || merged.origin === undefined
      ? merged.origin
      : Array.isArray(merged.origin)
        ? merged.origin.map(mapOne)
        : mapOne(merged.origin);
  return { route: { ...merged, hosts, ...(origin === undefined ? {} : { origin }) }, hosts: placed };
}

/** A route's host in an environment, and where in the data its spelling comes from. */
export interface EnvironmentHost {
  host: string;
  /** Where the route names it: its own host (`routes[i].hosts[h]`) or its override's. */
  from: DataPath;
  /** Where its spelling comes from: the mapping that spelled it, else `from`. */
  spelledAt: DataPath;
}

/**
 * A route's hosts in an environment: the override's when it sets hosts, else each host through
 * the environment's mapping (a host without one is kept in production, reported elsewhere).
 * `analyze` reads `from` to show a host's errors on the host the route names, even when hosts
 * before it were left out.
 * @example environmentHosts(route, 0, 'staging', { hosts: { 'example.com': 'staging.example.com' } }, report)[0].spelledAt // ['environments', 'staging', 'hosts', 'example.com']
 */
export function environmentHosts(
  route: RawRoute,
  index: number,
  name: string,
  environment: RawEnvironment,
  report: Reporter,
): EnvironmentHost[] {
  const override = environment.routes?.[route.id]?.hosts;
  if (override) {
    return override.map((host, h) => {
      const from: DataPath = ['environments', name, 'routes', route.id, 'hosts', h];
      return { host, from, spelledAt: from };
    });
  }
  return route.hosts.flatMap((host, h): EnvironmentHost[] => {
    const from: DataPath = ['routes', index, 'hosts', h];
    const mapped = mapHost(host, environment.hosts ?? {});
    if (mapped === null) {
      if (name === DEFAULT_ENVIRONMENT) return [{ host, from, spelledAt: from }];
      report(
        from,
        `host ${host} has no ${name} spelling: map its domain under environments.${name}.hosts, or set the route's hosts under environments.${name}.routes.${route.id}`,
      );
      return [];
    }
    const spelledAt: DataPath = ['environments', name, 'hosts', mapped.key];
    const problem = spellingProblem(mapped.host, environment.hosts?.[mapped.key] ?? '');
    if (problem === null) return [{ host: mapped.host, from, spelledAt }];
    if (problem)
      report(spelledAt, `environments.${name}.hosts: host ${host} maps to "${mapped.host}", ${problem}`);
    return [];
  });
}

/**
 * Why a mapped host cannot be served, '' when its mapping value was already reported as no
 * domain (checkMappings), or null when it can. Problems of the spelling are shown at the
 * mapping; the compiler's other host errors (two routes on one host) stay on the route's host.
 */
function spellingProblem(mapped: string, value: string): string | null {
  if (!isDomain(value)) return '';
  if (!parseRouteHost(mapped).ok) return 'which is not a hostname';
  const zone = zoneOf(mapped.replace(/^\*\./, ''));
  return zone.kind === 'public-suffix' ? `which cannot be deployed: ${zone.reason}` : null;
}

/** A mapping value: a hostname without a wildcard. */
function isDomain(value: string): boolean {
  return parseRouteHost(value).ok && !value.includes('*');
}

/**
 * The key of the origin mapping that spelled a route's origin (the `k`-th of a failover list) in
 * an environment, or null when the route's own or its override's text is used: `analyze` shows
 * an error on a mapped origin at its mapping.
 * @example originMappingOf({ id: 'api', hosts: [], origin: 'https://o.example.net' }, { origins: { 'https://o.example.net': 'https://s.example.net' } }, 0) // 'https://o.example.net'
 */
export function originMappingOf(route: RawRoute, environment: RawEnvironment, k: number): string | null {
  if (environment.routes?.[route.id]?.origin !== undefined) return null;
  const text = Array.isArray(route.origin) ? route.origin[k] : route.origin;
  if (typeof text !== 'string') return null;
  return mapOrigin(text, environment.origins ?? {})?.key ?? null;
}

/**
 * A host through a domain mapping: the longest key it equals or ends in (after a dot) wins;
 * null when no key covers it.
 * @example mapHost('api.example.com', { 'example.com': 'staging.example.com' }) // { host: 'api.staging.example.com', key: 'example.com' }
 */
function mapHost(host: string, mapping: Record<string, string>): { host: string; key: string } | null {
  const lower = normalizeHost(host);
  let best: string | null = null;
  for (const key of Object.keys(mapping)) {
    const domain = normalizeHost(key).replace(/^\*\./, '');
    if ((lower === domain || lower.endsWith(`.${domain}`)) && (best === null || domain.length > best.length))
      best = key;
  }
  if (best === null) return null;
  const domain = normalizeHost(best).replace(/^\*\./, '');
  return { host: `${lower.slice(0, lower.length - domain.length)}${mapping[best]}`, key: best };
}

/**
 * An origin URL through an origin mapping (scheme://host[:port] compared, base path kept); null
 * when no key covers it, or when its value is no origin (checkMappings reported that).
 */
function mapOrigin(origin: string, mapping: Record<string, string>): { origin: string; key: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return null;
  }
  const key = Object.keys(mapping).find((k) => originKey(k) === serverOrigin(parsed));
  if (key === undefined) return null;
  const basePath = origin.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const mapped = `${(mapping[key] as string).replace(/\/+$/, '')}${basePath}`;
  return parseOriginUrl(mapped).ok ? { origin: mapped, key } : null;
}

/**
 * Reports each host of `moving` (the later environment of the two) that `staying` serves too, or
 * that a wildcard of either covers. Each Worker gets its hosts at the edge: an exact host as a custom domain, a
 * wildcard as a zone route (`*.example.com/*`, which matches at any depth and wins over a custom
 * domain on the same hostname). So production's `*.example.com` would take requests for staging's
 * `api.staging.example.com`, and staging's `*.example.com` production's `api.example.com`. Two
 * wildcards nested one in the other do not clash: the more specific zone route wins.
 */
function refuseSharedHosts(moving: PlacedHosts, staying: PlacedHosts, report: Reporter): void {
  const taken = staying.hosts.map((h) => normalizeHost(h.host));
  for (const { host, spelledAt } of moving.hosts) {
    const mine = normalizeHost(host);
    for (const clash of taken.filter((t) => t === mine || covers(t, mine) || covers(mine, t))) {
      const zoneRoute = "(a wildcard's zone route, which wins over a custom domain)";
      const how =
        clash === mine
          ? `is also served in ${staying.name}`
          : covers(clash, mine)
            ? `is also matched by ${staying.name}'s ${clash} ${zoneRoute}`
            : `would also match ${staying.name}'s ${clash} ${zoneRoute}`;
      report(spelledAt, `host ${host} ${how}: ${moving.name} needs hosts of its own`);
    }
  }
}

/** One environment's hosts, each with where its spelling comes from. */
interface PlacedHosts {
  name: string;
  hosts: EnvironmentHost[];
}

/** A wildcard covering an exact host at any depth, as a zone route's `*` does. */
const covers = (pattern: string, host: string): boolean =>
  pattern.startsWith('*.') && !host.startsWith('*.') && host.endsWith(pattern.slice(1));

/**
 * The environments a routes.yaml text declares (production first), read without compiling it;
 * empty when it declares none or does not parse.
 * @example declaredEnvironments(readFileSync('routes.yaml', 'utf8')) // ['production', 'staging']
 */
export function declaredEnvironments(text: string): string[] {
  const data = loadSource(text).data as Pick<RawConfig, 'environments'> | undefined;
  const environments = data?.environments;
  return environments && typeof environments === 'object' && !Array.isArray(environments)
    ? environmentNames(data)
    : [];
}
