/**
 * The shared proxy pipeline, in the order the design fixes:
 *
 *   path safety -> route -> [CORS headers (outer) -> access -> rate limit -> CORS preflight
 *   -> methods -> redirect -> websocket guard -> body limit -> cache -> proxy]
 *
 * Path safety and routing run for every request; the bracketed stages are chained per route on
 * its first request, each only when the route needs it (src/pipeline/stage.ts). The result is an
 * Answer: the response plus what the router decided, for the log line, metrics and `explain`.
 */
import type { Exchange, Routed } from '../exchange.ts';
import { normalizedReading, withoutParameters } from '../routing/canonical-path.ts';
import { createResolver, type Resolver } from '../routing/resolve.ts';
import type { RouteTable } from '../table/route-table.ts';
import type { CompiledRoute, CompiledTable } from '../table/types.ts';
import { access } from './access.ts';
import { type Answer, jsonError } from './answer.ts';
import { bodyLimit } from './body-limit.ts';
import { cache } from './cache.ts';
import { corsPreflight, corsResponses } from './cors.ts';
import { methods } from './methods.ts';
import { proxy } from './proxy.ts';
import { rateLimit } from './rate-limit.ts';
import { redirect } from './redirect.ts';
import { compose, type Next, type Platform, type Stage, type StageFactory } from './stage.ts';
import { ConfigValueError } from './template.ts';
import { websocketGuard } from './websocket.ts';

/** The stages after routing, outermost first. */
export const ROUTE_STAGES: StageFactory[] = [
  corsResponses,
  access,
  rateLimit,
  corsPreflight,
  methods,
  redirect,
  websocketGuard,
  bodyLimit,
  cache,
];

export type Pipeline = (x: Exchange) => Promise<Answer>;

/**
 * Builds the pipeline over a compiled table.
 * @example const answer = await createPipeline(table, platform)(createExchange(request, env, ctx));
 */
export function createPipeline(table: CompiledTable | RouteTable, platform: Platform): Pipeline {
  const resolver = createResolver(table);
  const chains = new WeakMap<CompiledRoute, Next>();
  const chainFor = (route: CompiledRoute): Next => {
    let chain = chains.get(route);
    if (!chain) {
      const stages = ROUTE_STAGES.map((factory) => factory(route, platform)).filter(
        (s): s is Stage => s !== null,
      );
      chain = compose(stages, proxy(platform));
      chains.set(route, chain);
    }
    return chain;
  };

  return async (x) => {
    if (x.unsafePath !== null) return jsonError(x, 'path safety', 400, 'bad_request', x.unsafePath);
    const match = resolver.resolve(x.host, x.path);
    if (!match) return jsonError(x, 'route', 404, 'no_route', `No route for ${x.host}${x.path}`);
    const refused =
      semicolonProblem(resolver, match.route, x) ?? normalizationProblem(resolver, match.route, x);
    const routed: Routed = { ...x, route: match.route, hostKey: match.hostKey };
    const answer = refused
      ? jsonError(x, 'path safety', 400, 'bad_request', refused)
      : await run(chainFor(match.route), routed);
    return { ...answer, route: match.route };
  };
}

/**
 * `;` in a path: refused unless the route allows path parameters, and even then refused when
 * the origin's reading (parameters cut from each segment) would belong to another route.
 */
function semicolonProblem(resolver: Resolver, route: CompiledRoute, x: Exchange): string | null {
  if (!x.path.includes(';') && !x.path.includes('%3B')) return null;
  if (!route.pathParameters) return 'The path holds a ; (path parameters are not enabled on this route)';
  const origin = withoutParameters(x.path);
  if (origin !== null && resolver.resolve(x.host, origin)?.route === route) return null;
  return 'The path holds a ; that would reach another route once path parameters are removed';
}

/**
 * Characters outside ASCII that Unicode normalisation changes (fullwidth `ａ`, `／`): refused when
 * an origin that normalises (NFKC) would read the path as another route's, or with new delimiters.
 */
function normalizationProblem(resolver: Resolver, route: CompiledRoute, x: Exchange): string | null {
  const reading = normalizedReading(x.path);
  if (reading === x.path) return null;
  if (reading !== null && resolver.resolve(x.host, reading)?.route === route) return null;
  return 'The path holds characters that Unicode normalisation turns into another route or a delimiter';
}

/** Runs a route's chain; a thrown ConfigValueError is a config_error, anything else a bug. */
async function run(chain: Next, x: Routed): Promise<Answer> {
  try {
    return await chain(x);
  } catch (error) {
    if (error instanceof ConfigValueError) {
      return jsonError(
        x,
        'proxy',
        500,
        'config_error',
        `A route needs ${error.variable}, which is not usable`,
      );
    }
    return jsonError(x, 'router', 500, 'internal_error', 'The router failed to handle this request');
  }
}
