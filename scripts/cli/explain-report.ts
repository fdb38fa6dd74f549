/**
 * `explain`: what the router would do with one request, and why: the matched route, the
 * upstream URL or redirect, and every policy that applies (methods, CORS, cache, timeout,
 * access, rate limit, headers). Decisions come from the Worker's own stages (simulate.ts), so
 * what explain says is what the edge does.
 */
import type { Exchange } from '../../src/exchange.ts';
import { accessDecision } from '../../src/pipeline/access.ts';
import { cacheDecision } from '../../src/pipeline/cache.ts';
import { allowedOrigin, isPreflight, preflightDecision } from '../../src/pipeline/cors.ts';
import { refusedMethod } from '../../src/pipeline/methods.ts';
import { createResolver } from '../../src/routing/resolve.ts';
import { upstreamUrl } from '../../src/routing/upstream.ts';
import type { CompiledCors, CompiledRoute, CompiledTable } from '../../src/table/types.ts';
import { showAnswerHeader, showTemplate } from './redact.ts';
import { createSimulator, type Outcome, type SimulatedRequest } from './simulate.ts';

export interface Explanation {
  request: { method: string; url: string; host: string; path: string; query: string };
  /** The router's own status, or 'proxied'. */
  status: number | 'proxied';
  /** The stage that decided, e.g. 'route' for a 404, 'proxy' when proxied. */
  decidedBy: string;
  error: string | null;
  message: string | null;
  route: null | { id: string; matchedBy: string; path: string; stripPrefix: boolean };
  /** When no route matched: whether the host is known at all. */
  hostKnown: boolean;
  /** Where the request goes upstream (for a proxy route, even when the router answers first). */
  upstream: null | { url: string; failover: string[]; reached: boolean };
  redirect: null | { status: number; location: string };
  /**
   * `list` null: any method the route relays; `refused`: what a 405 refuses (the method, or a
   * `_method` in the query); `allow`: the Allow header it carries.
   */
  methods: null | { allowed: boolean; refused: string | null; list: string[] | null; allow: string };
  cors: null | {
    origins: string[];
    methods: string[];
    headers: string[];
    expose: string;
    credentials: boolean;
    maxAge: number;
    /** The request's Origin, whether the policy allows it, and the ACAO this answer carries. */
    requestOrigin: string | null;
    originAllowed: boolean | null;
    allowOrigin: string | null;
    /** Set for a preflight (OPTIONS + Origin + Access-Control-Request-Method). */
    preflight: null | { method: string; headers: string[]; methodAllowed: boolean; headersAllowed: boolean };
  };
  cache: null | { ttl: number; statuses: number[]; eligible: boolean; reason: string };
  timeoutMs: number | null;
  access: null | {
    allow: string[];
    deny: string[];
    clientIp: string | null;
    allowed: boolean;
    reason: string;
  };
  rateLimits: Array<{ limit: number; period: number; key: string; ipv6Prefix: number; binding: string }>;
  maxBody: number | null;
  websocket: boolean;
  requestHeaders: { set: Record<string, string>; remove: string[] };
  responseHeaders: { set: Record<string, string>; remove: string[] };
  /** Headers the client would see from the router (its answer, or its additions when proxied). */
  headers: Record<string, string>;
}

/**
 * Explains one request against a compiled table.
 * @example (await explain(table, { url: 'https://api.example.com/x' })).route?.id // 'api'
 */
export async function explain(table: CompiledTable, request: SimulatedRequest): Promise<Explanation> {
  const outcome = await createSimulator(table)(request);
  const x = outcome.exchange;
  const route = outcome.route;
  const hostKey = createResolver(table).hostKey(x.host);
  // Printed as the plan prints routes.yaml: literal values the route sets stay hidden.
  const headers = Object.fromEntries(
    [...outcome.headers].map(([name, value]) => [name, showAnswerHeader(route, name, value)]),
  );
  delete headers['x-request-id'];
  const cors = route?.cors ?? null;
  const origin = x.request.headers.get('origin');
  return {
    request: { method: x.method, url: x.request.url, host: x.host, path: x.path, query: x.search },
    status: outcome.status,
    decidedBy: outcome.stage,
    error: outcome.error,
    message: outcome.message,
    route: route
      ? {
          id: route.id,
          matchedBy: hostKey ?? x.host,
          path: route.path,
          stripPrefix: route.stripPrefix,
        }
      : null,
    hostKnown: hostKey !== null,
    upstream: upstreamOf(outcome),
    redirect:
      outcome.location !== null && typeof outcome.status === 'number'
        ? { status: outcome.status, location: showAnswerHeader(route, 'location', outcome.location) }
        : null,
    methods: route ? methodsOf(route, x) : null,
    cors: cors
      ? {
          origins: corsOrigins(cors),
          methods: cors.methods,
          headers: [
            ...(cors.anyHeader ? ['*'] : []),
            ...(cors.allowHeaders ? cors.allowHeaders.split(', ') : []),
          ],
          expose: cors.expose,
          credentials: cors.credentials,
          maxAge: Number(cors.maxAge),
          requestOrigin: origin,
          originAllowed: origin === null ? null : allowedOrigin(cors, origin) !== null,
          allowOrigin: outcome.headers.get('access-control-allow-origin'),
          preflight: preflightOf(cors, x),
        }
      : null,
    cache: route?.cache
      ? { ttl: route.cache.ttl, statuses: route.cache.statuses, ...cacheDecision(route, x) }
      : null,
    timeoutMs: route?.timeoutMs ?? null,
    access: route?.access
      ? {
          allow: route.access.allow.map((c) => c.text),
          deny: route.access.deny.map((c) => c.text),
          clientIp: x.clientIp || null,
          ...accessDecision(route.access, x.clientIp),
        }
      : null,
    rateLimits: rateLimitsOf(route),
    maxBody: route?.maxBody ?? null,
    websocket: route?.websocket ?? false,
    requestHeaders: showRules(route?.requestHeaders),
    responseHeaders: showRules(route?.responseHeaders),
    headers,
  };
}

/** The preflight's asks and whether the policy grants each: the Worker's own decision. */
function preflightOf(cors: CompiledCors, x: Exchange): NonNullable<Explanation['cors']>['preflight'] {
  if (!isPreflight(x.request)) return null;
  const { method, headers, methodAllowed, headersAllowed } = preflightDecision(cors, x.request);
  return { method, headers, methodAllowed, headersAllowed };
}

function methodsOf(route: CompiledRoute, x: Exchange): NonNullable<Explanation['methods']> {
  const refused = refusedMethod(route, x.method, x.search);
  return { allowed: refused === null, refused, list: route.methods, allow: route.allow };
}

function rateLimitsOf(route: CompiledRoute | null): Explanation['rateLimits'] {
  return (route?.rateLimits ?? []).map((l) => ({
    limit: l.limit,
    period: l.period,
    key: l.key.kind === 'ip' ? 'ip' : `header:${l.key.name}`,
    ipv6Prefix: l.ipv6Prefix,
    binding: l.binding,
  }));
}

function upstreamOf(outcome: Outcome): Explanation['upstream'] {
  if (outcome.upstream) return { url: outcome.upstream, failover: outcome.failover, reached: true };
  const route = outcome.route;
  if (!route || route.origins.length === 0) return null;
  const x = outcome.exchange;
  const [url, ...failover] = route.origins.map(
    (o) => upstreamUrl(route, o, x.path, x.search)?.href ?? '(refused)',
  );
  return { url: url as string, failover, reached: false };
}

function corsOrigins(cors: CompiledCors): string[] {
  return [...(cors.any ? ['*'] : []), ...cors.exact, ...cors.wildcards.map((w) => `${w.scheme}*${w.suffix}`)];
}

function showRules(
  rules: { set: Array<[string, Parameters<typeof showTemplate>[1]]>; remove: string[] } | undefined,
) {
  return {
    set: Object.fromEntries(
      (rules?.set ?? []).map(([name, template]) => [name, showTemplate(name, template)]),
    ),
    remove: rules?.remove ?? [],
  };
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/**
 * Formats an explanation for a terminal: one labelled line per decision.
 * @example console.log(formatExplanation(await explain(table, { url })))
 */
export function formatExplanation(e: Explanation): string {
  const lines: string[] = [`${e.request.method} ${e.request.url}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(11)} ${text}`);
  const normalised = `${e.request.host}${e.request.path}${e.request.query}`;

  if (!e.route) {
    if (e.decidedBy === 'path safety') {
      row('result', `${e.status} ${e.error}: ${e.message} (refused before routing)`);
    } else if (e.hostKnown) {
      row(
        'route',
        `none: host ${e.request.host} is routed, but no route's path prefix matches ${e.request.path}`,
      );
      row('result', `${e.status} ${e.error}`);
    } else {
      row('route', `none: no route in the table serves host ${e.request.host}`);
      row('result', `${e.status} ${e.error}`);
    }
    return lines.join('\n');
  }

  const r = e.route;
  const how = r.matchedBy.startsWith('*.') ? `wildcard host ${r.matchedBy}` : `host ${r.matchedBy}`;
  row('route', `${r.id}  (${how}, path prefix ${r.path}${r.stripPrefix ? ', strip_prefix' : ''})`);
  if (`https://${normalised}` !== e.request.url && `http://${normalised}` !== e.request.url) {
    row('normalised', `${normalised} (the path matched and sent upstream)`);
  }
  if (e.status === 'proxied' && e.upstream) {
    row('result', `proxied to ${e.upstream.url}`);
    if (e.upstream.failover.length > 0) {
      row(
        'failover',
        `${e.upstream.failover.join(', then ')} (on 502/503/504 or no answer, for replayable requests)`,
      );
    }
  } else if (e.redirect) {
    row('result', `${e.redirect.status} redirect to ${e.redirect.location}`);
  } else {
    const why = e.message ? `: ${e.message}` : '';
    row('result', `${e.status}${e.error ? ` ${e.error}` : ''} answered by the router (${e.decidedBy})${why}`);
    if (e.upstream) row('upstream', `${e.upstream.url} (not reached: the router answers first)`);
  }

  const m = e.methods;
  if (m) {
    const list = m.list ? m.list.join(', ') : 'any method';
    row(
      'methods',
      m.allowed
        ? `${e.request.method} allowed (${list})`
        : `${m.refused} not allowed: 405 (Allow: ${m.allow})`,
    );
  }
  if (e.cors) {
    const c = e.cors;
    row(
      'CORS',
      `origins ${c.origins.join(', ')}; methods ${c.methods.join(', ')}; headers ${c.headers.join(', ') || 'none'}` +
        `${c.expose ? `; expose ${c.expose}` : ''}${c.credentials ? '; credentials' : ''}; max-age ${c.maxAge} s`,
    );
    const p = c.preflight;
    if (p) {
      const refused = [
        c.originAllowed ? '' : `origin ${c.requestOrigin} not allowed`,
        p.methodAllowed ? '' : `method ${p.method} not allowed`,
        p.headersAllowed ? '' : `headers ${p.headers.join(', ')} not all allowed`,
      ].filter(Boolean);
      row(
        '',
        `preflight from ${c.requestOrigin} for ${p.method}${p.headers.length ? ` with ${p.headers.join(', ')}` : ''}: ` +
          (refused.length ? `refused, 403 (${refused.join('; ')})` : `answered 204, ACAO ${c.allowOrigin}`),
      );
    } else if (c.requestOrigin === null) {
      row(
        '',
        `no Origin sent: ${c.allowOrigin ? `ACAO ${c.allowOrigin}` : 'no ACAO'} (try --header 'Origin: https://...')`,
      );
    } else {
      row(
        '',
        c.allowOrigin
          ? `Origin ${c.requestOrigin} -> Access-Control-Allow-Origin: ${c.allowOrigin}`
          : `Origin ${c.requestOrigin} is not allowed: no CORS headers`,
      );
    }
  } else {
    row('CORS', "no policy: the origin's own CORS headers pass through");
  }
  const redirectRoute = e.redirect !== null || (e.upstream === null && e.status !== 'proxied');
  if (redirectRoute) {
    // A redirect route answers at the edge: no cache, no timeout, no upstream headers.
  } else if (e.cache) {
    row(
      'cache',
      e.cache.eligible
        ? `TTL ${e.cache.ttl} s for statuses ${e.cache.statuses.join(', ')}; ${e.cache.reason} (x-cache MISS, then HIT)`
        : `TTL ${e.cache.ttl} s, but bypassed: ${e.cache.reason} (x-cache BYPASS)`,
    );
  } else {
    row('cache', 'off: never stored at the edge (x-cache BYPASS)');
  }
  if (e.timeoutMs !== null && !redirectRoute) row('timeout', seconds(e.timeoutMs));
  row(
    'access',
    e.access
      ? `allow ${e.access.allow.join(', ') || 'any'}; deny ${e.access.deny.join(', ') || 'none'} (on CF-Connecting-IP)`
      : 'any address',
  );
  if (e.access && e.access.clientIp === null && e.decidedBy === 'access') {
    row(
      '',
      "no CF-Connecting-IP sent, so the address is unknown and refused (try --header 'CF-Connecting-IP: 203.0.113.9')",
    );
  }
  const limits = e.rateLimits.map((l) => {
    const per = l.key === 'ip' ? `ip (IPv6 per /${l.ipv6Prefix})` : `${l.key}, else per address`;
    return `${l.limit} per ${l.period} s per ${per} (binding ${l.binding})`;
  });
  row('rate limit', limits.length > 0 ? `${limits.join('; and ')}; over any: 429` : 'none');
  if (e.maxBody !== null) row('max body', `${e.maxBody} bytes`);
  if (e.websocket) row('websocket', 'upgrades pass through');
  for (const [label, rules] of [
    ['request', e.requestHeaders],
    ['response', e.responseHeaders],
  ] as const) {
    const parts = [
      ...Object.entries(rules.set).map(([k, v]) => `set ${k}: ${v}`),
      ...rules.remove.map((k) => `remove ${k}`),
    ];
    if (parts.length > 0) row(`${label} hdrs`, parts.join('; '));
  }
  return lines.join('\n');
}
