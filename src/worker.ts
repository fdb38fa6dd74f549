/**
 * The Worker: itty-router dispatches every request to the one shared pipeline
 * (src/pipeline/pipeline.ts); its `finally` turns the pipeline's Answer into the response,
 * writes the log line and the request's metrics data point, and adds the debug headers. The
 * pipeline never reads what itty-router writes onto its request object (params, query, route):
 * itty gets a small object of its own.
 */
import { Router } from 'itty-router';
import { createExchange, type Env, type Exchange } from './exchange.ts';
import { type Answer, jsonError } from './pipeline/answer.ts';
import { addDebugHeaders, DEBUG_HEADER, decisionOf } from './pipeline/debug.ts';
import { logLine, logRecord } from './pipeline/log.ts';
import { recordMetrics } from './pipeline/metrics.ts';
import { createPipeline } from './pipeline/pipeline.ts';
import type { Platform } from './pipeline/stage.ts';
import type { RouteTable } from './table/route-table.ts';
import type { CompiledTable } from './table/types.ts';

/** The platform of a deployed Worker: the global fetch and the default cache. */
const EDGE: Platform = {
  fetch: (url, init) => fetch(url, init),
  cache: () => caches.default,
};

/**
 * Builds the Worker for a compiled table.
 * @example export default createWorker(table);
 */
export function createWorker(
  table: CompiledTable | RouteTable,
  platform: Platform = EDGE,
): ExportedHandler<Env> {
  const pipeline = createPipeline(table, platform);
  const router = Router<{ method: string; url: string }, [Exchange], Answer>({
    catch: (_error: unknown, _request, x: Exchange) =>
      jsonError(x, 'router', 500, 'internal_error', 'The router failed to handle this request'),
    finally: [(answer: Answer, _request, x: Exchange) => finish(answer, x)],
  });
  router.all('*', (_request, x: Exchange) => pipeline(x));

  return {
    fetch: (request, env, ctx) => {
      const x = createExchange(request, env, ctx);
      return router.fetch({ method: x.method, url: request.url }, x) as unknown as Promise<Response>;
    },
  };
}

/**
 * The last step of every request: the request id on the response, the log line, the metrics,
 * and the debug headers for a request that carries the operator's debug token.
 */
function finish(answer: Answer, x: Exchange): Response | Promise<Response> {
  if (answer.response.status !== 101) answer.response.headers.set('x-request-id', x.id);
  const record = logRecord(x, answer);
  logLine(record);
  recordMetrics(x.env, record);
  const token = x.request.headers.get(DEBUG_HEADER);
  return token === null
    ? answer.response
    : addDebugHeaders(answer.response, token, x.env, decisionOf(answer, x));
}
