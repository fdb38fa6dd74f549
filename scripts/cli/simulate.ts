/**
 * The Worker's pipeline, run in Node without a network: the same createPipeline the Worker
 * serves (src/pipeline/pipeline.ts), over an exchange built by the Worker's own createExchange,
 * with a dry platform: the upstream fetch answers an empty 200 without sending anything, and the
 * cache always misses. What comes out is the Worker's own Answer, so `explain` and route tests
 * cannot disagree with the edge.
 *
 * Not simulated, because they depend on state at the edge: the rate-limit counters (every limit
 * passes; they are reported as policy), the cache's contents (an eligible request is a cold
 * `MISS`), the origin's answer, and the values of secrets (shown as `${env.NAME}`).
 */
import { createExchange, type Env, type Exchange } from '../../src/exchange.ts';
import type { Answer, StageName } from '../../src/pipeline/answer.ts';
import { createPipeline } from '../../src/pipeline/pipeline.ts';
import type { Platform } from '../../src/pipeline/stage.ts';
import { upstreamUrl } from '../../src/routing/upstream.ts';
import type { CompiledRoute, CompiledTable } from '../../src/table/types.ts';

export interface SimulatedRequest {
  url: string;
  method?: string;
  headers?: Record<string, string> | Array<[string, string]>;
}

export interface Outcome {
  /** The exchange as the Worker built it: canonical host, path and query. */
  exchange: Exchange;
  route: CompiledRoute | null;
  answer: Answer;
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

/** Sends nothing: every upstream request gets an empty 200, the cache never hits. */
const DRY: Platform = {
  fetch: async () => new Response(null, { status: 200 }),
  cache: () =>
    ({
      match: async () => undefined,
      put: async () => undefined,
      delete: async () => false,
    }) as unknown as Cache,
};

/**
 * Methods the Fetch standard forbids a Request to carry, so Node refuses to build one; a Worker
 * still receives them (and answers 405). The request is built as a GET and the exchange carries
 * the method that was asked for.
 */
const UNBUILDABLE = new Set(['CONNECT', 'TRACE', 'TRACK']);

const CONTEXT = {
  waitUntil: () => undefined,
  passThroughOnException: () => undefined,
} as unknown as ExecutionContext;

/**
 * Builds a simulator over a compiled table.
 * @example
 * const simulate = createSimulator(table);
 * (await simulate({ url: 'https://api.example.com/x' })).upstream // 'https://example.net/x'
 */
export function createSimulator(table: CompiledTable): (request: SimulatedRequest) => Promise<Outcome> {
  const pipeline = createPipeline(table, DRY);
  const env = simulatedEnv(table);
  return async (input) => {
    const method = (input.method ?? 'GET').toUpperCase();
    const request = new Request(input.url, {
      method: UNBUILDABLE.has(method) ? 'GET' : method,
      headers: input.headers,
    });
    const x = { ...createExchange(request, env, CONTEXT), method };
    const answer = await pipeline(x);
    if (answer.response.status !== 101) answer.response.headers.set('x-request-id', x.id);
    return outcome(x, answer);
  };
}

/** Secrets show their reference; vars their value; every rate limit lets the request pass. */
function simulatedEnv(table: CompiledTable): Env {
  const env: Env = { ...Object.fromEntries(table.secrets.map((n) => [n, `\${env.${n}}`])), ...table.vars };
  for (const route of table.routes) {
    for (const limit of route.rateLimits) env[limit.binding] = { limit: async () => ({ success: true }) };
  }
  return env;
}

async function outcome(x: Exchange, answer: Answer): Promise<Outcome> {
  const route = answer.route;
  const proxied = answer.router === null && answer.upstream !== null;
  const urls = route
    ? route.origins.map((origin) => upstreamUrl(route, origin, x.path, x.search)?.href ?? null)
    : [];
  const body = answer.router?.error
    ? ((await answer.response
        .clone()
        .json()
        .catch(() => null)) as { message?: string } | null)
    : null;
  return {
    exchange: x,
    route,
    answer,
    status: proxied ? 'proxied' : answer.response.status,
    stage: answer.router?.stage ?? 'proxy',
    error: answer.router?.error ?? null,
    message: body?.message ?? null,
    headers: answer.response.headers,
    upstream: proxied ? (urls[0] ?? null) : null,
    failover: proxied ? urls.slice(1).filter((u): u is string => u !== null) : [],
    location: answer.router ? answer.response.headers.get('location') : null,
  };
}
