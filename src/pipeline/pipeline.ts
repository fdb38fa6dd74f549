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
import { hasParameters, mayFoldCase, otherReadings } from '../routing/origin-readings.ts';
import { createResolver, type Resolution, type Resolver } from '../routing/resolve.ts';
import type { RouteTable } from '../table/route-table.ts';
import type { CompiledRoute, CompiledTable } from '../table/types.ts';
import { access } from './access.ts';
import { type Answer, jsonError } from './answer.ts';
import { bodyLimit } from './body-limit.ts';
import { cache } from './cache.ts';
import { corsDecorator, corsPreflight, corsResponses } from './cors.ts';
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
  const chains = new WeakMap<CompiledRoute, RouteChain>();
  const chainFor = (route: CompiledRoute): RouteChain => {
    let chain = chains.get(route);
    if (!chain) {
      const stages = ROUTE_STAGES.map((factory) => factory(route, platform)).filter(
        (s): s is Stage => s !== null,
      );
      const decorate = corsDecorator(route);
      chain = { run: compose(stages, proxy(platform)), around: decorate ?? ((_x, answer) => answer) };
      chains.set(route, chain);
    }
    return chain;
  };

  return async (x) => {
    if (x.unsafePath !== null) return jsonError(x, 'path safety', 400, 'bad_request', x.unsafePath);
    const match = resolver.resolve(x.host, x.path);
    if (!match) return jsonError(x, 'route', 404, 'no_route', `No route for ${x.host}${x.path}`);
    const refused = pathProblem(resolver, match, x);
    const routed: Routed = { ...x, route: match.route, hostKey: match.hostKey };
    const chain = chainFor(match.route);
    // Answers made around the chain are the route's too: its CORS policy decorates them.
    const answer = refused
      ? chain.around(routed, jsonError(x, 'path safety', 400, 'bad_request', refused))
      : await run(chain, routed);
    return { ...answer, route: match.route };
  };
}

/** A route's chain of stages, and the CORS decoration for answers made outside it. */
interface RouteChain {
  run: Next;
  around: (x: Routed, answer: Answer) => Answer;
}

/**
 * Refused: a `;` on a route without path parameters, or a path that an origin reading it its own
 * way (src/routing/origin-readings.ts: decoding, Unicode normalisation, `;` cut, Windows'
 * trimming, ignoring case) would find under another route, or find unsafe.
 */
function pathProblem(resolver: Resolver, match: Resolution, x: Exchange): string | null {
  const route = match.route;
  if (!route.pathParameters && hasParameters(x.path))
    return 'The path holds a ; (path parameters are not enabled on this route)';
  // Nothing to fold, and no prefix that folding changes: the folded lookup is the exact one,
  // already made (most requests pay one regex test).
  const foldsAlike = resolver.foldsAlike(match.hostKey);
  const caseElsewhere = (path: string) =>
    (mayFoldCase(path) || !foldsAlike) && resolver.caseInsensitive(x.host, path)?.route !== route;
  for (const reading of otherReadings(x.path)) {
    if (reading === null || resolver.resolve(x.host, reading)?.route !== route) return READS_ELSEWHERE;
    if (caseElsewhere(reading)) return CASE_ELSEWHERE;
  }
  return caseElsewhere(x.path) ? CASE_ELSEWHERE : null;
}

const READS_ELSEWHERE =
  'The path reads as another route or an unsafe path to origins that decode it, normalise Unicode, cut ; parameters, trim dots and spaces or drop session tokens';
const CASE_ELSEWHERE =
  'The path reads as another route to origins that ignore case (Express by default, ASP.NET, IIS)';

/** Runs a route's chain; a thrown ConfigValueError is a config_error, anything else a bug. */
async function run(chain: RouteChain, x: Routed): Promise<Answer> {
  try {
    return await chain.run(x);
  } catch (error) {
    const failed =
      error instanceof ConfigValueError
        ? jsonError(x, 'proxy', 500, 'config_error', `A route needs ${error.variable}, which is not usable`)
        : jsonError(x, 'router', 500, 'internal_error', 'The router failed to handle this request');
    return chain.around(x, failed);
  }
}
