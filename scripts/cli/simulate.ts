/**
 * The Worker's decisions, run in Node without a network: the same stage functions the Worker
 * chains in src/worker.ts (path safety, the shared resolver, access, CORS preflight, methods,
 * redirect, WebSocket guard), over an Exchange built by the Worker's own `createExchange`.
 * A request that no stage answers would be proxied: the outcome is then the upstream URL and
 * the headers the router adds to the origin's response (CORS, x-cache, the route's own).
 *
 * Not simulated, because they depend on state at the edge: the rate-limit counter (reported
 * as a policy), the cache's contents (an eligible request is reported as a cold `MISS`), the
 * origin's answer, and the values of secrets (shown as `${env.NAME}`).
 */
import { createExchange, type Env, type Exchange } from '../../src/exchange.ts';
import { cacheEligible } from '../../src/pipeline/cache.ts';
import { corsHeaders } from '../../src/pipeline/cors.ts';
import { rateLimit } from '../../src/pipeline/rate-limit.ts';
import { applyHeaderRules } from '../../src/pipeline/request-headers.ts';
import { upstreamUrl } from '../../src/routing/upstream.ts';
import type { CompiledRoute, CompiledTable } from '../../src/table/types.ts';
import { beforeStages } from '../../src/worker.ts';

export interface SimulatedRequest {
  url: string;
  method?: string;
  headers?: Record<string, string> | Array<[string, string]>;
}

export type StageName = ReturnType<typeof beforeStages>[number][0];

export interface Outcome {
  /** The exchange after the stages ran: normalised host and path, query, matched route. */
  exchange: Exchange;
  route: CompiledRoute | null;
  /** The router's own answer, or 'proxied' when the request would be sent to the origin. */
  status: number | 'proxied';
  /** The stage that answered, or 'proxy'. */
  stage: StageName | 'proxy';
  /** The router's error code and message for its JSON errors. */
  error: string | null;
  message: string | null;
  /** The router's whole answer, or the headers it adds on top of the origin's when proxied. */
  headers: Headers;
  /** Upstream URL on the first origin, and the failover URLs after it. */
  upstream: string | null;
  failover: string[];
  /** Location of a redirect answer. */
  location: string | null;
}

/**
 * Builds a simulator over a compiled table (the resolver's per-host maps are kept between calls).
 * @example
 * const simulate = createSimulator(table);
 * (await simulate({ url: 'https://api.example.com/x' })).upstream // 'https://example.net/x'
 */
export function createSimulator(table: CompiledTable): (request: SimulatedRequest) => Promise<Outcome> {
  // The Worker's own stage list; the rate limit is left out: its counter lives at the edge.
  const stages = beforeStages(table).filter(([, stage]) => stage !== rateLimit) as Array<
    readonly [StageName, (x: Exchange) => Response | undefined]
  >;
  // Secrets have no value here: a header that uses one shows the reference instead.
  const env: Env = { ...Object.fromEntries(table.secrets.map((n) => [n, `\${env.${n}}`])), ...table.vars };

  return async (input) => {
    const request = new Request(input.url, {
      method: (input.method ?? 'GET').toUpperCase(),
      headers: input.headers,
    });
    const x = createExchange(request);
    for (const [name, stage] of stages) {
      const answer = stage(x);
      if (answer) return finish(x, answer, name, env);
    }
    return finish(x, null, 'proxy', env);
  };
}

/** The Worker's last stage (CORS headers, request id) over the answer, or over the proxied response. */
async function finish(
  x: Exchange,
  answer: Response | null,
  stage: Outcome['stage'],
  env: Env,
): Promise<Outcome> {
  const route = x.matched ?? null;
  let response = answer;
  let upstream: string | null = null;
  let failover: string[] = [];
  if (!response && route) {
    const [first, ...rest] = route.origins.map((origin) => upstreamUrl(route, origin, x.path, x.search));
    upstream = first ?? null;
    failover = rest;
    // What the router adds to any origin response: the route's response headers, x-cache.
    const headers = new Headers();
    applyHeaderRules(headers, route.responseHeaders, env);
    x.cache = cacheEligible(x) ? 'MISS' : 'BYPASS';
    headers.set('x-cache', x.cache);
    response = new Response(null, { status: 200, headers });
  }
  const out = response ?? new Response(null, { status: 500 });
  if (out.status !== 101) {
    corsHeaders(out, x);
    out.headers.set('x-request-id', x.id);
  }
  let message: string | null = null;
  if (answer && x.errorCode) {
    const body = (await answer
      .clone()
      .json()
      .catch(() => null)) as { message?: string } | null;
    message = body?.message ?? null;
  }
  return {
    exchange: x,
    route,
    status: answer ? answer.status : 'proxied',
    stage,
    error: answer ? (x.errorCode ?? null) : null,
    message,
    headers: out.headers,
    upstream,
    failover,
    location: answer?.headers.get('location') ?? null,
  };
}
