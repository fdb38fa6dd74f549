/**
 * Semantic checks and compilation in one pass: each routes.yaml value is parsed once, and is
 * either compiled into the table or reported with its position. Pure (no file system, no ajv),
 * so tests running inside workerd can compile tables of their own with it.
 */

import { normalizeEscapes } from '../../src/pipeline/path-safety.ts';
import type {
  CompiledCors,
  CompiledHeaderRules,
  CompiledRoute,
  CompiledTable,
  Template,
} from '../../src/table/types.ts';
import { mergeDefaults, type RawConfig, type RawCors, type RawHeaderRules, type RawRoute } from './config.ts';
import type { Severity } from './diagnostics.ts';
import type { DataPath } from './source.ts';
import {
  isLoopback,
  type Parsed,
  parseCidr,
  parseCorsOrigin,
  parseDuration,
  parseOriginUrl,
  parseRouteHost,
  parseSize,
  parseTemplate,
} from './values.ts';

/** Receives each problem found; `path` points into the route (or defaults) that holds it. */
export type Reporter = (path: DataPath, message: string, severity?: Severity) => void;

const MIN_TIMEOUT_MS = 10;
const MAX_TIMEOUT_MS = 15 * 60_000;
const DEFAULT_TIMEOUT = '30s';
const DEFAULT_REPLAY = 64 * 1024;
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
/** Request headers a route may not set: the Worker cannot choose them, or the router owns them. */
const RESERVED_REQUEST_HEADERS = new Set(['host', 'cf-connecting-ip', 'x-forwarded-for', 'x-request-id']);
const REQUIRED_AFTER_MERGE = [
  ['cors', ['origins']],
  ['cache', ['ttl']],
  ['rate_limit', ['limit', 'period']],
] as const;
const PATH_SEGMENT = /^(?:[A-Za-z0-9._~!$&'()+,;=@-]|%[0-9A-Fa-f]{2})+$/;
const UNSAFE_ESCAPE = /%(2f|5c|0[0-9a-f]|1[0-9a-f]|7f)/i;

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

  const vars = { ...(config.vars ?? {}) };
  const secrets = [...(config.secrets ?? [])];
  for (const [i, name] of secrets.entries()) {
    if (name in vars) reportTo(['secrets', i], `"${name}" is declared both as a var and as a secret`);
  }
  const declared = new Set([...Object.keys(vars), ...secrets]);

  const routes: CompiledRoute[] = [];
  const seenIds = new Map<string, number>();
  const seenHostPath = new Map<string, string>();
  const hostSpelling = new Map<string, string>();

  for (const [index, raw] of config.routes.entries()) {
    const at = (path: DataPath): DataPath => ['routes', index, ...path];
    const route = mergeDefaults(config.defaults, raw);
    const r: Reporter = (path, message, severity) => reportTo(at(path), message, severity);
    // Required keys of these objects are checked after merging, so a route may override part of a default.
    for (const [field, keys] of REQUIRED_AFTER_MERGE) {
      const value = route[field] as Record<string, unknown> | undefined;
      const missing = value ? keys.filter((key) => value[key] === undefined) : [];
      if (missing.length === 0) continue;
      const names = missing.map((key) => `"${key}"`).join(', ');
      r(
        [field],
        `${field}: missing required key${missing.length > 1 ? 's' : ''} ${names} (set here or in defaults.${field})`,
      );
      delete route[field];
    }

    const previous = seenIds.get(route.id);
    if (previous !== undefined) r(['id'], `duplicate route id "${route.id}" (also routes[${previous}])`);
    else seenIds.set(route.id, index);

    const path = compilePath(route.path ?? '/', (m) => r(['path'], m));
    const hosts: string[] = [];
    for (const [h, text] of route.hosts.entries()) {
      const host = check(parseRouteHost(text), (m) => r(['hosts', h], m));
      if (host === undefined) continue;
      const spelling = hostSpelling.get(host);
      if (spelling !== undefined && spelling.replace(/\.$/, '') !== text.replace(/\.$/, '')) {
        r(['hosts', h], `host "${text}" differs from "${spelling}" only by case; hosts are case-insensitive`);
        continue;
      }
      hostSpelling.set(host, text);
      const other = seenHostPath.get(`${host} ${path}`);
      if (other !== undefined)
        r(['hosts', h], `host ${host} with path ${path} is already routed by "${other}"`);
      else seenHostPath.set(`${host} ${path}`, route.id);
      hosts.push(host);
    }

    const methodRule = compileMethods(route.methods);
    const requestHeaders = compileHeaderRules(
      route.headers?.request,
      declared,
      RESERVED_REQUEST_HEADERS,
      (p, m) => r(['headers', 'request', ...p], m),
    );
    const responseHeaders = compileHeaderRules(route.headers?.response, declared, new Set(), (p, m) =>
      r(['headers', 'response', ...p], m),
    );
    routes.push({
      id: route.id,
      hosts,
      path,
      stripPrefix: route.strip_prefix ?? false,
      ...compileTarget(route, r),
      ...methodRule,
      cors: route.cors ? compileCors(route.cors, methodRule.methods, (p, m) => r(['cors', ...p], m)) : null,
      cache:
        route.cache && route.cache.ttl > 0
          ? { ttl: route.cache.ttl, statuses: route.cache.statuses ?? [200] }
          : null,
      requestHeaders,
      responseHeaders,
      env: [...new Set([requestHeaders, responseHeaders].flatMap(envNames))],
      timeoutMs: compileTimeout(route.timeout ?? DEFAULT_TIMEOUT, (m) => r(['timeout'], m)),
      access: route.access ? compileAccess(route.access, r) : null,
      rateLimit: route.rate_limit
        ? {
            binding: rateLimitBinding(route.id),
            limit: route.rate_limit.limit,
            period: route.rate_limit.period,
            key: compileRateKey(route.rate_limit.key ?? 'ip'),
          }
        : null,
      maxBody:
        route.max_body === undefined
          ? null
          : (check(parseSize(route.max_body), (m) => r(['max_body'], m)) ?? null),
      retry: {
        nonIdempotent: route.retry?.non_idempotent ?? false,
        maxReplayBody:
          route.retry?.max_replay_body === undefined
            ? DEFAULT_REPLAY
            : (check(parseSize(route.retry.max_replay_body), (m) => r(['retry', 'max_replay_body'], m)) ?? 0),
      },
      websocket: route.websocket ?? false,
    });
    for (const key of ['cors', 'cache', 'headers', 'retry', 'rate_limit', 'max_body', 'websocket'] as const) {
      if (route.redirect && raw[key] !== undefined)
        r([key], `${key} has no effect on a redirect route`, 'warning');
    }
  }

  const table: CompiledTable = { format: 1, routes, exact: {}, wildcard: {}, vars, secrets };
  indexHosts(table);
  findLoops(table, reportTo);
  return table;
}

function check<T>(parsed: Parsed<T>, onError: (message: string) => void): T | undefined {
  if (parsed.ok) return parsed.value;
  onError(parsed.error);
  return undefined;
}

/** Normalises a route path to '/' or '/a/b' and rejects what could never match safely. */
function compilePath(path: string, onError: (message: string) => void): string {
  const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
  if (trimmed === '/') return '/';
  const segments = trimmed.slice(1).split('/');
  if (segments.some((s) => s === '')) onError(`path "${path}" has an empty segment (//)`);
  else if (segments.some((s) => s === '.' || s === '..')) onError(`path "${path}" has a . or .. segment`);
  else if (/[*:]/.test(trimmed)) onError(`path "${path}" is a plain prefix: no wildcards (*) or :params`);
  else if (segments.some((s) => !PATH_SEGMENT.test(s)) || UNSAFE_ESCAPE.test(path)) {
    onError(
      `path "${path}" has characters a path prefix cannot hold (use letters, digits and - . _ ~ % @ ! , ; =)`,
    );
  }
  // Requests are normalised the same way before matching (src/pipeline/path-safety.ts).
  return normalizeEscapes(trimmed);
}

function compileTarget(route: RawRoute, r: Reporter): Pick<CompiledRoute, 'origins' | 'redirect'> {
  if (route.origin !== undefined && route.redirect !== undefined) {
    r(['redirect'], 'a route has either origin or redirect, not both');
  }
  if (route.redirect) {
    const target = parseOriginUrl(route.redirect.to.replace(/[?#].*$/, ''));
    if (!target.ok || !/^https?:\/\//i.test(route.redirect.to)) {
      r(['redirect', 'to'], `redirect target "${route.redirect.to}" must be an http(s) URL`);
    }
    return {
      origins: [],
      redirect: {
        to: route.redirect.to,
        status: route.redirect.status ?? 301,
        keepPath: route.redirect.keep_path ?? true,
      },
    };
  }
  if (route.origin === undefined) {
    r(['id'], `route "${route.id}" needs an origin (where to proxy) or a redirect`);
    return { origins: [], redirect: null };
  }
  const list = Array.isArray(route.origin) ? route.origin : [route.origin];
  const origins = list.flatMap((text, i) => {
    const path: DataPath = Array.isArray(route.origin) ? ['origin', i] : ['origin'];
    const parsed = check(parseOriginUrl(text), (m) => r(path, m));
    if (!parsed) return [];
    if (parsed.scheme === 'http' && !isLoopback(parsed.hostname)) {
      r(path, `origin "${text}" uses plain http: traffic to it is not encrypted`, 'warning');
    }
    return [{ origin: parsed.origin, basePath: parsed.basePath }];
  });
  return { origins, redirect: null };
}

function compileMethods(methods: string[] | undefined): Pick<CompiledRoute, 'methods' | 'allow'> {
  if (!methods) return { methods: null, allow: ALL_METHODS.join(', ') };
  const set = new Set(methods.map((m) => m.toUpperCase()));
  if (set.has('GET')) set.add('HEAD');
  const list = ALL_METHODS.filter((m) => set.has(m));
  return { methods: list, allow: list.join(', ') };
}

/** A preflight may ask for the route's own methods unless `cors.methods` says otherwise. */
function compileCors(cors: RawCors, routeMethods: string[] | null, r: Reporter): CompiledCors {
  const compiled: CompiledCors = {
    exact: [],
    wildcards: [],
    any: false,
    credentials: cors.credentials ?? false,
    methods: (cors.methods ?? routeMethods ?? ALL_METHODS).map((m) => m.toUpperCase()),
    allowMethods: '',
    headers: [],
    anyHeader: false,
    allowHeaders: '',
    expose: (cors.expose ?? []).join(', '),
    maxAge: String(cors.max_age ?? 600),
  };
  compiled.allowMethods = compiled.methods.join(', ');
  for (const [i, text] of cors.origins.entries()) {
    const pattern = check(parseCorsOrigin(text), (m) => r(['origins', i], m));
    if (pattern?.kind === 'any') compiled.any = true;
    if (pattern?.kind === 'exact') compiled.exact.push(pattern.origin);
    if (pattern?.kind === 'wildcard')
      compiled.wildcards.push({ scheme: pattern.scheme, suffix: pattern.suffix });
  }
  if (compiled.any && compiled.credentials) {
    r(['credentials'], "credentials: true cannot be used with origin '*': list the allowed origins instead");
  }
  for (const header of cors.headers ?? []) {
    if (header === '*') compiled.anyHeader = true;
    else compiled.headers.push(header.toLowerCase());
  }
  compiled.allowHeaders = (cors.headers ?? []).filter((h) => h !== '*').join(', ');
  return compiled;
}

function compileHeaderRules(
  rules: RawHeaderRules | undefined,
  declared: Set<string>,
  reserved: Set<string>,
  r: Reporter,
): CompiledHeaderRules {
  const set: Array<[string, Template]> = [];
  for (const [name, value] of Object.entries(rules?.set ?? {})) {
    if (reserved.has(name.toLowerCase()))
      r(['set', name], `${name} is set by the router and cannot be changed here`);
    const template = check(parseTemplate(value), (m) => r(['set', name], m));
    if (!template) continue;
    for (const part of template) {
      if (typeof part === 'object' && !declared.has(part.env)) {
        r(
          ['set', name],
          `\${env.${part.env}} is not declared: add it to secrets: (or vars:) at the top of the file`,
        );
      }
    }
    set.push([name.toLowerCase(), template]);
  }
  return { set, remove: (rules?.remove ?? []).map((name) => name.toLowerCase()) };
}

/** The `${env.NAME}` names a set of header rules reads. */
function envNames(rules: CompiledHeaderRules): string[] {
  return rules.set.flatMap(([, template]) =>
    template.flatMap((part) => (typeof part === 'string' ? [] : [part.env])),
  );
}

function compileTimeout(text: string, onError: (message: string) => void): number {
  const ms = check(parseDuration(text), onError);
  if (ms === undefined) return 0;
  if (ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) onError(`timeout ${text} is out of range: use 10ms to 15m`);
  return ms;
}

function compileAccess(access: { allow?: string[]; deny?: string[] }, r: Reporter): CompiledRoute['access'] {
  const list = (key: 'allow' | 'deny') =>
    (access[key] ?? []).flatMap((text, i) => {
      const cidr = check(parseCidr(text), (m) => r(['access', key, i], m));
      return cidr ? [cidr] : [];
    });
  return { allow: list('allow'), deny: list('deny') };
}

function compileRateKey(key: string): NonNullable<CompiledRoute['rateLimit']>['key'] {
  return key === 'ip' ? { kind: 'ip' } : { kind: 'header', name: key.slice('header:'.length).toLowerCase() };
}

/**
 * The Rate Limiting binding a route's limit uses, derived from its id.
 * @example rateLimitBinding('api.v2') // 'RL_API_V2'
 */
export function rateLimitBinding(id: string): string {
  return `RL_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
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
      const hostname = new URL(origin.origin).hostname.replace(/\.$/, '');
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
