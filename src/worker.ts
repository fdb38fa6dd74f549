/**
 * The Worker: one itty-router pipeline that every route shares, in the order the design fixes:
 *
 *   request id -> path safety -> route -> access -> rate limit -> CORS preflight -> methods
 *   -> redirect / websocket guard -> body limit -> [proxy: cache lookup -> upstream request
 *   -> fetch with timeout -> response headers -> cache store] -> CORS headers -> log line
 *
 * Each stage is a small function in src/pipeline/; a stage that returns a Response ends the
 * request early (itty-router's `before`), and `finally` decorates whatever came out.
 */
import { Router } from 'itty-router';
import { createExchange, type Env, type Exchange } from './exchange.ts';
import { access } from './pipeline/access.ts';
import { bodyLimit } from './pipeline/body-limit.ts';
import { corsHeaders, preflight } from './pipeline/cors.ts';
import { addDebugHeaders, decisionOf, takeDebugToken } from './pipeline/debug.ts';
import { jsonError } from './pipeline/errors.ts';
import { logLine } from './pipeline/log.ts';
import { methods } from './pipeline/methods.ts';
import { pathSafety } from './pipeline/path-safety.ts';
import { proxy } from './pipeline/proxy.ts';
import { rateLimit } from './pipeline/rate-limit.ts';
import { redirect } from './pipeline/redirect.ts';
import { routeLookup } from './pipeline/route.ts';
import { MissingSecretError } from './pipeline/template.ts';
import { websocketGuard } from './pipeline/websocket.ts';
import type { CompiledTable } from './table/types.ts';

type Args = [Env, ExecutionContext];

/**
 * Builds the Worker for a compiled table.
 * @example export default createWorker(table);
 */
export function createWorker(table: CompiledTable): ExportedHandler<Env> {
  const router = Router<Exchange, Args, Response>({
    before: beforeStages(table).map(([, stage]) => stage),
    catch: (error: unknown, x: Exchange) =>
      error instanceof MissingSecretError
        ? jsonError(x, 500, 'config_error', `A route needs ${error.variable}, which is not set`)
        : jsonError(x, 500, 'internal_error', 'The router failed to handle this request'),
    finally: [finish],
  });
  router.all('*', proxy);

  return {
    fetch: async (request, env, ctx) => {
      const debug = takeDebugToken(request);
      const x = createExchange(debug.request);
      const response = (await router.fetch(x, env, ctx)) as Response;
      return debug.token === null ? response : addDebugHeaders(response, debug.token, env, decisionOf(x));
    },
  };
}

/**
 * The stages that may answer before the proxy, named and in order. The CLI's simulator
 * (explain, route tests) runs this same list, so it cannot drift from the Worker.
 * @example beforeStages(table).map(([name]) => name) // ['path safety', 'route', ...]
 */
export function beforeStages(table: CompiledTable) {
  return [
    ['path safety', pathSafety],
    ['route', routeLookup(table)],
    ['access', access],
    ['rate limit', rateLimit],
    ['CORS preflight', preflight],
    ['methods', methods],
    ['redirect', redirect],
    ['websocket', websocketGuard],
    ['body limit', bodyLimit],
  ] as const;
}

/** The last stage: CORS headers, the request id, the log line. */
function finish(response: Response | undefined, x: Exchange): Response {
  const out = response ?? jsonError(x, 500, 'internal_error', 'No stage answered this request');
  if (out.status !== 101) {
    corsHeaders(out, x);
    out.headers.set('x-request-id', x.id);
  }
  logLine(x, out.status);
  return out;
}
