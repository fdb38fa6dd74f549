/**
 * The routes.yaml data as the schema describes it, and how `defaults:` merge into a route.
 */
import { switchableFields } from './schema-rules.ts';

export interface RawHeaderRules {
  set?: Record<string, string>;
  remove?: string[];
}

export interface RawCors {
  origins: string[];
  methods?: string[];
  headers?: string[];
  expose?: string[];
  credentials?: boolean;
  max_age?: number;
}

export interface RawRateLimit {
  limit: number;
  period: 10 | 60;
  key?: string;
  ipv6_prefix?: number;
}

export interface RawRoute {
  id: string;
  hosts: string[];
  path?: string;
  origin?: string | string[];
  redirect?: { to: string; status?: 301 | 302 | 303 | 307 | 308; keep_path?: boolean };
  strip_prefix?: boolean;
  path_parameters?: boolean;
  methods?: string[];
  cors?: RawCors | false;
  cache?: { ttl: number; statuses?: number[] } | false;
  headers?: { request?: RawHeaderRules; response?: RawHeaderRules };
  timeout?: string;
  try_timeout?: string;
  idle_timeout?: string | false;
  retry?: { non_idempotent?: boolean; max_replay_body?: string | number };
  access?: { allow?: string[]; deny?: string[] } | false;
  rate_limit?: RawRateLimit | RawRateLimit[] | false;
  max_body?: string | number;
  websocket?: boolean;
}

/** What differs in one environment (see scripts/compiler/environments.ts). */
export interface RawEnvironment {
  worker?: string;
  hosts?: Record<string, string>;
  origins?: Record<string, string>;
  vars?: Record<string, string>;
  routes?: Record<string, Partial<Omit<RawRoute, 'id' | 'path'>>>;
}

export interface RawConfig {
  version: 1;
  vars?: Record<string, string>;
  secrets?: string[];
  defaults?: Partial<RawRoute>;
  environments?: Record<string, RawEnvironment>;
  routes: RawRoute[];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Merges defaults into a route: objects key by key (recursively), lists and scalars replaced,
 * and `false` on an object field drops the default. A list of rate limits takes each of its
 * limits from a default limit object (so defaults can set the period once).
 * @example mergeDefaults({ cache: { ttl: 60 } }, { id: 'a', hosts: ['a.example'], cache: false }).cache // undefined
 */
export function mergeDefaults(defaults: Partial<RawRoute> | undefined, route: RawRoute): RawRoute {
  const merged = mergeKeepingOff(defaults, route) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(merged))
    if (value === false && switchableFields.includes(key)) delete merged[key];
  return merged as unknown as RawRoute;
}

/**
 * The same merge, with every `false` kept: for an environment's override of a route, which is
 * merged before the defaults are, so that its `false` still drops what defaults set.
 * @example mergeKeepingOff({ cache: { ttl: 60 } }, { id: 'a', hosts: [], cache: false }).cache // false
 */
export function mergeKeepingOff(base: Partial<RawRoute> | undefined, route: RawRoute): RawRoute {
  const merged = deepMerge(base ?? {}, route) as Record<string, unknown>;
  const limit = base?.rate_limit;
  if (Array.isArray(route.rate_limit) && isPlainObject(limit)) {
    merged.rate_limit = route.rate_limit.map((each) => deepMerge(limit, each));
  }
  return merged as unknown as RawRoute;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}
