/**
 * The compiled route table: what `npm run build` emits into `src/generated/table.ts` and what
 * the Worker (and the CLI's `explain`, route tests and benchmarks) consume.
 *
 * Everything here is plain JSON so the table can be emitted as one `JSON.parse` string (fast
 * startup at 10,000 routes) and compared byte for byte between builds.
 */

/** A string with `${env.NAME}` references, split at build time: literals and env names. */
export type Template = Array<string | { env: string }>;

/** Header rules for one direction, names lower-cased. */
export interface CompiledHeaderRules {
  /** Headers to set (replace), in declaration order. */
  set: Array<[name: string, value: Template]>;
  /** Headers to remove. */
  remove: string[];
}

/** A CIDR as four 32-bit words of an IPv6 address (IPv4 is mapped to ::ffff:a.b.c.d). */
export interface CompiledCidr {
  words: [number, number, number, number];
  /** Prefix length over 128 bits. */
  bits: number;
  /** The CIDR as written, for `explain` and logs. */
  text: string;
}

export interface CompiledCors {
  /** Exact allowed origins (lower-cased scheme and host). */
  exact: string[];
  /** `https://*.example.com` patterns as scheme + '://' and '.example.com' suffix. */
  wildcards: Array<{ scheme: string; suffix: string }>;
  /** `'*'` was listed. */
  any: boolean;
  credentials: boolean;
  /** Allowed methods, upper-case, and their pre-joined header value. */
  methods: string[];
  allowMethods: string;
  /** Allowed request headers, lower-case; `'*'` allows any except Authorization. */
  headers: string[];
  anyHeader: boolean;
  /** Pre-joined `Access-Control-Allow-Headers` for the listed headers ('' for none). */
  allowHeaders: string;
  /** Pre-joined `Access-Control-Expose-Headers` value, or '' for none. */
  expose: string;
  /** `Access-Control-Max-Age` value as a string. */
  maxAge: string;
}

export interface CompiledCache {
  /** Edge TTL in seconds (> 0). */
  ttl: number;
  /** Origin statuses that may be stored. */
  statuses: number[];
}

export interface CompiledRateLimit {
  /** The Rate Limiting binding the build declares for this limit. */
  binding: string;
  limit: number;
  period: 10 | 60;
  /** `ip`, or a lower-cased request header name (requests without it count by address). */
  key: { kind: 'ip' } | { kind: 'header'; name: string };
  /** IPv6 addresses count per network of this many bits (IPv4 per address). */
  ipv6Prefix: number;
}

export interface CompiledRedirect {
  to: string;
  status: 301 | 302 | 303 | 307 | 308;
  keepPath: boolean;
}

export interface CompiledOrigin {
  /** scheme://host[:port] */
  origin: string;
  /** Base path without trailing slash ('' for none). */
  basePath: string;
}

export interface CompiledRoute {
  id: string;
  /** Hosts as written (lower-cased). */
  hosts: string[];
  /** Segment-aware prefix: '/' or '/a/b' (no trailing slash), canonical like request paths. */
  path: string;
  stripPrefix: boolean;
  /** `;` path parameters allowed (for origins that need matrix parameters). */
  pathParameters: boolean;
  /** Failover order; empty for a redirect route. */
  origins: CompiledOrigin[];
  redirect: CompiledRedirect | null;
  /** Allowed methods incl. HEAD when GET is allowed; null = any. */
  methods: string[] | null;
  /** Pre-joined `Allow` header value for 405 answers. */
  allow: string;
  cors: CompiledCors | null;
  cache: CompiledCache | null;
  requestHeaders: CompiledHeaderRules;
  responseHeaders: CompiledHeaderRules;
  /** The vars and secrets the header rules read, checked before anything is sent upstream. */
  env: string[];
  /** Until response headers, all tries included. */
  timeoutMs: number;
  /** Until response headers, one try. */
  tryTimeoutMs: number;
  /** Longest pause in a response body (0: none). */
  idleTimeoutMs: number;
  access: { allow: CompiledCidr[]; deny: CompiledCidr[] } | null;
  /** Every limit a request must pass. */
  rateLimits: CompiledRateLimit[];
  /** Maximum request body in bytes, or null for no limit. */
  maxBody: number | null;
  retry: { nonIdempotent: boolean; maxReplayBody: number };
  websocket: boolean;
}

export interface CompiledTable {
  /** Format version of this structure. */
  format: 1;
  routes: CompiledRoute[];
  /** Exact host -> route indexes, longest path first. */
  exact: Record<string, number[]>;
  /** Wildcard suffix (`example.com` for `*.example.com`) -> route indexes, longest path first. */
  wildcard: Record<string, number[]>;
  /** Names `${env.NAME}` may use: declared vars and secrets. */
  vars: Record<string, string>;
  secrets: string[];
  /** The environment this table was compiled for, when routes.yaml declares environments. */
  environment?: string;
}
