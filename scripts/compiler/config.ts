/**
 * The routes.yaml data as the schema describes it, and how `defaults:` merge into a route.
 */
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

export interface RawRoute {
  id: string;
  hosts: string[];
  path?: string;
  origin?: string | string[];
  redirect?: { to: string; status?: 301 | 302 | 303 | 307 | 308; keep_path?: boolean };
  strip_prefix?: boolean;
  methods?: string[];
  cors?: RawCors | false;
  cache?: { ttl: number; statuses?: number[] } | false;
  headers?: { request?: RawHeaderRules; response?: RawHeaderRules };
  timeout?: string;
  retry?: { non_idempotent?: boolean; max_replay_body?: string | number };
  access?: { allow?: string[]; deny?: string[] } | false;
  rate_limit?: { limit: number; period: 10 | 60; key?: string } | false;
  max_body?: string | number;
  websocket?: boolean;
}

export interface RawConfig {
  version: 1;
  vars?: Record<string, string>;
  secrets?: string[];
  defaults?: Partial<RawRoute>;
  routes: RawRoute[];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Merges defaults into a route: objects key by key (recursively), lists and scalars replaced,
 * and `false` on an object field drops the default.
 * @example mergeDefaults({ cache: { ttl: 60 } }, { id: 'a', hosts: ['a.example'], cache: false }).cache // undefined
 */
export function mergeDefaults(defaults: Partial<RawRoute> | undefined, route: RawRoute): RawRoute {
  const merged = deepMerge(defaults ?? {}, route) as Record<string, unknown>;
  for (const [key, value] of Object.entries(merged))
    if (value === false && isObjectField(key)) delete merged[key];
  return merged as unknown as RawRoute;
}

const isObjectField = (key: string) =>
  key === 'cors' || key === 'cache' || key === 'access' || key === 'rate_limit';

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}
