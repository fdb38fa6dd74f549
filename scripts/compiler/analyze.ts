/**
 * The whole check of a routes.yaml text: YAML syntax, JSON Schema, then semantic checks and
 * compilation, in every environment the file declares. Every problem is collected with its
 * position; nothing stops at the first.
 */

import type { CompiledTable } from '../../src/table/types.ts';
import { compileConfig, type Reporter } from './compile.ts';
import type { RawConfig } from './config.ts';
import { type Diagnostic, sameDiagnostic, sortDiagnostics } from './diagnostics.ts';
import {
  applyEnvironment,
  checkWorkerNames,
  DEFAULT_ENVIRONMENT,
  environmentHosts,
  environmentNames,
  originMappingOf,
} from './environments.ts';
import { type SchemaError, validateSchema } from './schema.ts';
import { type DataPath, loadSource, type Source } from './source.ts';

export interface Analysis {
  diagnostics: Diagnostic[];
  /** The compiled table, when there is no error. */
  table?: CompiledTable;
  /** The parsed file as the environment sees it, when it fits the schema (used by plan and route tests). */
  config?: RawConfig;
  /** The Worker name the environment asks for (`environments.NAME.worker`), if it sets one. */
  worker?: string;
  /** Without `env`, when clean: the other declared environments' tables, in declaration order. */
  otherTables?: CompiledTable[];
  /** When clean: the environments the file declares (production first; none without any). */
  environments?: string[];
  /** When clean: the file as read, with positions (so a caller need not parse it again). */
  source?: Source;
}

export interface AnalyzeOptions {
  /** Only this environment, for a file that declares environments (default: all, production's table). */
  env?: string;
  /** wrangler.toml's name: environments whose derived Worker names collide are then errors too. */
  workerBase?: string;
}

interface Pruned {
  config: RawConfig;
  /** Each kept route's index in the file. */
  indexOf: number[];
}

/**
 * Checks and compiles routes.yaml text. Without `env`, every environment the file declares is
 * checked and the table is production's.
 * @example analyze(readFileSync('routes.yaml', 'utf8')).diagnostics // [] for a good file
 * @example analyze(text, { env: 'staging' }).table?.environment // 'staging'
 */
export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const source = loadSource(text);
  const diagnostics = [...source.syntaxErrors];
  if (source.fatal) return { diagnostics: sortDiagnostics(diagnostics) };

  const schemaErrors = validateSchema(source);
  diagnostics.push(...schemaErrors.map((e) => e.diagnostic));
  const pruned = prune(source.data, schemaErrors);
  if (!pruned) return { diagnostics: sortDiagnostics(diagnostics) };
  const chosen = chooseEnvironment(pruned.config, options.env);
  if (chosen !== null && typeof chosen === 'object') {
    return { diagnostics: sortDiagnostics([...diagnostics, source.at(chosen.at, chosen.message)]) };
  }
  checkWorkerNames(
    pruned.config,
    // A derived name is the environment's own: shown at its key, a set name at its value.
    (path, message) =>
      diagnostics.push(source.at(path, message, { at: path.length === 2 ? 'key' : 'value' })),
    options.workerBase,
  );
  const compile = (env: string | null) => {
    const found: Diagnostic[] = [];
    const reporter =
      (inEnvironment: string | null): Reporter =>
      (path, message, severity) =>
        found.push(source.at(sourcePath(source, pruned, inEnvironment, path), message, { severity }));
    // applyEnvironment names the data as written; the compiler names the environment's table.
    const against = options.env === undefined ? 'earlier' : 'all';
    const config =
      env === null ? pruned.config : applyEnvironment(pruned.config, env, reporter(null), against);
    const table = compileConfig(config, reporter(env));
    if (env !== null) table.environment = env;
    return { config, table, found };
  };
  const { config, table, found } = compile(chosen);
  const others = options.env === undefined ? environmentNames(pruned.config).filter((o) => o !== chosen) : [];
  const compiled = others.map((other) => ({ other, ...compile(other) }));
  diagnostics.push(...found);
  for (const { other, found: more } of compiled) diagnostics.push(...inEnvironment(other, more, found));
  const otherTables = compiled.map((c) => c.table);
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.some((d) => d.severity === 'error')) return { diagnostics: sorted };
  const worker = chosen === null ? undefined : pruned.config.environments?.[chosen]?.worker;
  const environments = environmentNames(pruned.config);
  return {
    diagnostics: sorted,
    table,
    config,
    otherTables,
    environments,
    source,
    ...(worker ? { worker } : {}),
  };
}

/**
 * When every environment is checked, the problems only another environment than the chosen one
 * (production) has say which it is; one the chosen environment showed is not repeated.
 */
function inEnvironment(env: string, found: Diagnostic[], shown: Diagnostic[]): Diagnostic[] {
  return found
    .filter((d) => !shown.some((s) => sameDiagnostic(s, d)))
    .map((d) =>
      d.message.startsWith(`environments.${env}`) ? d : { ...d, message: `in ${env}: ${d.message}` },
    );
}

/** The environment to compile (null for a file without environments), or the problem with the choice. */
function chooseEnvironment(
  config: RawConfig,
  wanted: string | undefined,
): string | null | { at: DataPath; message: string } {
  const names = environmentNames(config);
  if (names.length === 0) {
    return wanted === undefined || wanted === DEFAULT_ENVIRONMENT
      ? null
      : { at: [], message: `--env ${wanted}: this file declares no environments` };
  }
  const env = wanted ?? DEFAULT_ENVIRONMENT;
  if (names.includes(env)) return env;
  return {
    at: ['environments'],
    message: `--env ${env}: no such environment (declared: ${names.join(', ')})`,
  };
}

/**
 * Where a problem the compiler found sits in the file, tried in the order values were merged,
 * last first: the environment's own value (its override of a route field, or of a var), then
 * the route as written (its index before broken routes were pruned), then defaults.
 */
function sourcePath(source: Source, pruned: Pruned, env: string | null, path: DataPath): DataPath {
  const [top, second, ...rest] = path;
  if (top === 'vars' && env !== null && source.has(['environments', env, ...path]))
    return ['environments', env, ...path];
  if (top !== 'routes') return path;
  const host = env === null ? undefined : hostSource(pruned, env, path);
  if (host) return host[0] === 'routes' ? sourcePath(source, pruned, null, host) : host;
  const mapping = env === null ? null : originSource(pruned, env, path);
  if (mapping) return mapping;
  const real: DataPath = ['routes', pruned.indexOf[second as number] as number, ...rest];
  const id = pruned.config.routes[second as number]?.id ?? '';
  const override: DataPath = ['environments', env ?? '', 'routes', id, ...rest];
  if (env !== null && source.has(override)) return override;
  if (source.has(real)) return real;
  const fromDefaults: DataPath = ['defaults', ...rest];
  return source.has(fromDefaults) ? fromDefaults : real;
}

/**
 * Where the route names a host of its table in an environment: its override's host, or its own
 * host (whose index in the file can differ from the table's, when hosts were left out).
 */
function hostSource(pruned: Pruned, env: string, path: DataPath): DataPath | undefined {
  const [, index, field, h] = path;
  if (field !== 'hosts' || typeof index !== 'number' || typeof h !== 'number') return undefined;
  const route = pruned.config.routes[index];
  const environment = pruned.config.environments?.[env];
  if (!route || !environment) return undefined;
  return environmentHosts(route, index, env, environment, () => undefined)[h]?.from;
}

/** The origin mapping that spelled the origin a path names, in an environment, or null. */
function originSource(pruned: Pruned, env: string, path: DataPath): DataPath | null {
  const [, index, field, k] = path;
  if (field !== 'origin' || typeof index !== 'number') return null;
  const route = pruned.config.routes[index];
  const environment = pruned.config.environments?.[env];
  if (!route || !environment) return null;
  const key = originMappingOf(route, environment, typeof k === 'number' ? k : 0);
  return key === null ? null : ['environments', env, 'origins', key];
}

/**
 * Removes what broke the schema so semantic checks can run on everything else: a bad field is
 * left out of its route (or of defaults), a bad id or hosts list is replaced by what can still be
 * checked, and a broken environment is left out. Returns null when the top level itself is unusable.
 */
function prune(data: unknown, errors: SchemaError[]): Pruned | null {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(data) || !Array.isArray(data.routes)) return null;
  const routes = data.routes.map((r) => (isObject(r) ? { ...r } : null));
  const defaults = isObject(data.defaults) ? { ...data.defaults } : {};
  const environments = isObject(data.environments) ? { ...data.environments } : undefined;
  const config = { ...data, defaults, environments } as Record<string, unknown>;
  for (const { path, key } of errors) {
    const [top, second, third] = path;
    if (top === 'routes' && typeof second === 'number') {
      const field = third ?? key;
      const route = routes[second];
      if (!route || field === undefined) routes[second] = null;
      else if (field === 'id' || field === 'hosts') keepIdentity(route, second);
      else if (field === 'headers' || field === 'cors') {
        // Only the rule or setting at fault goes, so the field's other problems are still found.
        if (!pruneInside(route, field, [...path.slice(3), ...(key === undefined ? [] : [key])]))
          delete route[field];
      } else {
        delete route[field];
        // A target that broke the schema still counts as given: no "needs an origin" on top.
        if (field === 'origin' || field === 'redirect') route.origin ??= [];
      }
    } else if (top === 'defaults') {
      const field = second ?? key;
      if (field === undefined) config.defaults = {};
      else delete defaults[field as string];
    } else if ((top === 'vars' || top === 'secrets') && path.length === 1) {
      config[top] = top === 'vars' ? {} : [];
    } else if (top === 'environments') {
      pruneEnvironment(config, environments, path, key);
    }
  }
  if (config.environments === undefined) delete config.environments;
  const indexOf = routes.flatMap((route, i) => (route ? [i] : []));
  config.routes = indexOf.map((i) => routes[i]);
  return { config: config as unknown as RawConfig, indexOf };
}

/**
 * A broken environment is left out, except for a bad `worker` name, which goes on its own: the
 * name is derived instead, and the environment's mappings are still checked.
 */
function pruneEnvironment(
  config: Record<string, unknown>,
  environments: Record<string, unknown> | undefined,
  [, name, field]: DataPath,
  key: string | undefined,
): void {
  if (typeof name !== 'string' || !environments) {
    config.environments = undefined;
    return;
  }
  const environment = environments[name];
  if ((field ?? key) === 'worker' && typeof environment === 'object' && environment !== null) {
    const { worker: _, ...rest } = environment as Record<string, unknown>;
    environments[name] = rest;
  } else delete environments[name];
}

/**
 * What may go from inside `headers` or `cors` on its own: a rule, a setting, or one entry of
 * `cors.origins` (left as a hole, so the others keep their index); never `origins` whole, which
 * is required.
 */
const PRUNABLE: Record<'headers' | 'cors', (rest: DataPath) => DataPath | null> = {
  // headers.request.set.NAME, headers.request.remove, headers.request.UNKNOWN
  headers: ([direction, kind, name]) =>
    direction === undefined || kind === undefined
      ? null
      : kind === 'set' && name !== undefined
        ? [direction, kind, name]
        : [direction, kind],
  // cors.methods, cors.max_age, cors.UNKNOWN..., cors.origins[N]
  cors: ([setting, index]) =>
    setting === 'origins'
      ? typeof index === 'number'
        ? [setting, index]
        : null
      : setting === undefined
        ? null
        : [setting],
};

/** Deletes the part of a route's `headers` or `cors` that `rest` leads to; false when it cannot. */
function pruneInside(route: Record<string, unknown>, field: 'headers' | 'cors', rest: DataPath): boolean {
  const target = PRUNABLE[field](rest);
  if (target === null) return false;
  const copy = structuredClone(route[field]) as Record<string, unknown>;
  let parent: unknown = copy;
  for (const step of target.slice(0, -1))
    parent = (parent as Record<string, unknown> | undefined)?.[step as string];
  const last = target.at(-1) as string | number;
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent) !== (typeof last === 'number'))
    return false;
  delete (parent as Record<string | number, unknown>)[last];
  route[field] = copy;
  return true;
}

/**
 * A route whose id or hosts broke the schema is still checked: an id that is not text stands in
 * as `routes[N]`; hosts are kept only when they can still be checked one by one.
 */
function keepIdentity(route: Record<string, unknown>, index: number): void {
  if (typeof route.id !== 'string') route.id = `routes[${index}]`;
  // Hosts are checked one by one, at their index in the file: only a list whose every entry is
  // a distinct string keeps its indexes, so any other broken list is left to its schema error.
  const hosts: unknown[] = Array.isArray(route.hosts) ? route.hosts : [];
  const aligned = hosts.every((h) => typeof h === 'string') && new Set(hosts).size === hosts.length;
  route.hosts = aligned ? hosts : [];
}
