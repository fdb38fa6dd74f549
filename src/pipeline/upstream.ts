/**
 * The upstream fetch: `redirect: 'manual'`, the route's total timeout (to response headers,
 * all tries included), and failover along the route's origins for requests that can be
 * replayed. Router-made answers: 502 bad_gateway, 504 gateway_timeout, 413 for a body cut at
 * max_body.
 */
import type { Exchange } from '../exchange.ts';
import { upstreamUrl } from '../routing/upstream.ts';
import { uploadProblem, uploadSignal } from './body-limit.ts';
import { jsonError } from './errors.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRY_STATUSES = new Set([502, 503, 504]);
const BACKOFF_MS = 25;

/**
 * Sends the request upstream and returns the origin's response or a router error.
 * @example const response = await fetchUpstream(x, headers)
 */
export async function fetchUpstream(x: Exchange, headers: Headers): Promise<Response> {
  const route = x.matched;
  if (!route) throw new Error('fetchUpstream without a route');
  const deadline = Date.now() + route.timeoutMs;
  const hasBody = x.body !== null && x.method !== 'GET' && x.method !== 'HEAD';
  const replay = await replayableBody(x, hasBody);
  const failover = route.origins.length > 1 && replay !== undefined;
  const last = failover ? route.origins.length - 1 : 0;
  const upload = hasBody && replay === undefined ? uploadSignal(x) : undefined;

  for (let i = 0; i <= last; i++) {
    const origin = route.origins[i];
    if (!origin) break;
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), remaining);
    x.tries++;
    try {
      const response = await fetch(upstreamUrl(route, origin, x.path, x.search), {
        method: x.method,
        headers,
        body: hasBody ? (replay ?? x.body) : null,
        redirect: 'manual',
        signal: upload ? AbortSignal.any([controller.signal, upload]) : controller.signal,
      });
      // The origin may answer before it has read the whole body; an upload cut at max_body (or
      // failed) still gets the router's answer, never the origin's to a request it saw in part.
      const cut = uploadProblem(x);
      if (cut) {
        await response.body?.cancel();
        return cut;
      }
      if (i < last && RETRY_STATUSES.has(response.status)) {
        await response.body?.cancel();
        x.originStatus = response.status;
        await backoff(i, deadline);
        continue;
      }
      x.answeredBy = origin.origin;
      x.originStatus = response.status;
      return response;
    } catch {
      const cut = uploadProblem(x);
      if (cut) return cut;
      if (controller.signal.aborted) break;
      // Workers cannot tell a refused connection from one lost after the request was sent, so a
      // replayed POST (opt-in) may reach two origins: that is why replay is opt-in.
      if (i === last) {
        return jsonError(x, 502, 'bad_gateway', `The origin could not be reached (${x.tries} tries)`);
      }
      await backoff(i, deadline);
    } finally {
      clearTimeout(timer);
    }
  }
  if (x.originStatus !== undefined && Date.now() < deadline) {
    return jsonError(x, 502, 'bad_gateway', `Every origin failed; the last answered ${x.originStatus}`);
  }
  return jsonError(x, 504, 'gateway_timeout', `The origin did not answer within ${route.timeoutMs} ms`);
}

/**
 * The body to send on every try when failover may replay it: undefined when it cannot be
 * replayed (not idempotent without opt-in, or larger than max_replay_body / of unknown size).
 * A body kept for replay is read into memory, bounded by max_replay_body.
 */
async function replayableBody(x: Exchange, hasBody: boolean): Promise<ArrayBuffer | null | undefined> {
  const route = x.matched;
  if (!route || route.origins.length < 2) return undefined;
  if (!IDEMPOTENT.has(x.method) && !route.retry.nonIdempotent) return undefined;
  if (!hasBody) return null;
  const length = Number(x.request.headers.get('content-length') ?? Number.NaN);
  if (!(length <= route.retry.maxReplayBody) || x.body === null) return undefined;
  return new Response(x.body).arrayBuffer();
}

/** Jittered backoff between tries, never past the deadline. */
function backoff(attempt: number, deadline: number): Promise<void> {
  const wait = Math.min(
    BACKOFF_MS * 2 ** attempt * (0.5 + Math.random()),
    Math.max(0, deadline - Date.now() - 1),
  );
  return new Promise((resolve) => setTimeout(resolve, wait));
}
