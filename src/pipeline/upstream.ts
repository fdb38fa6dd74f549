/**
 * The upstream fetch: `redirect: 'manual'`, the route's timeouts, and failover along the route's
 * origins for requests that can be replayed. Two clocks run: the route's `timeout` covers every
 * try until response headers arrive; `try_timeout` bounds one try, so a first origin that never
 * answers leaves time for the next. Router-made answers: 400 when the URL would not carry the
 * matched path exactly, 502 bad_gateway, 504 gateway_timeout.
 */
import type { Routed } from '../exchange.ts';
import { upstreamUrl } from '../routing/upstream.ts';
import type { CompiledOrigin } from '../table/types.ts';
import { type Answer, jsonError, type UpstreamReport } from './answer.ts';
import { byteReader } from './byte-reader.ts';
import { beforeDeadline, LATE } from './deadline.ts';
import { declaredLength } from './declared-length.ts';
import { overriddenMethods } from './request-headers.ts';
import type { Platform } from './stage.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRY_STATUSES = new Set([502, 503, 504]);
const BACKOFF_MS = 25;

export type UpstreamResult =
  | { ok: true; response: Response; origin: CompiledOrigin; report: UpstreamReport; abort: AbortController }
  | { ok: false; answer: Answer };

/**
 * Sends the request upstream: the origin's response, or the router's error answer.
 * @example const result = await fetchUpstream(x, headers, platform)
 */
export async function fetchUpstream(
  x: Routed,
  headers: Headers,
  platform: Platform,
): Promise<UpstreamResult> {
  const route = x.route;
  const urls = route.origins.map((origin) => upstreamUrl(route, origin, x.path, x.search));
  const first = urls[0];
  if (!first || urls.some((url) => url === null))
    return refused(x, 400, 'bad_request', 'The path cannot be sent to the origin exactly as it was matched');
  const deadline = Date.now() + route.timeoutMs;
  const hasBody = x.body !== null && x.method !== 'GET' && x.method !== 'HEAD';
  // Only a failover route may replay a body (and only one with two origins pays for an await).
  const replay = route.origins.length < 2 ? undefined : await replayableBody(x, hasBody, deadline);
  if (replay === BAD_BODY)
    return refused(x, 400, 'bad_request', 'The request body is not as long as its Content-Length');
  if (replay === LATE)
    return refused(x, 504, 'gateway_timeout', `The request body did not arrive within ${route.timeoutMs} ms`);
  const last = route.origins.length > 1 && replay !== undefined ? route.origins.length - 1 : 0;
  const upload = hasBody && replay === undefined ? x.uploadCut : null;
  const report: UpstreamReport = {
    url: first,
    tries: 0,
    answeredBy: null,
    originStatus: null,
    originHeaders: null,
  };

  for (let i = 0; i <= last; i++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const abort = new AbortController();
    // try_timeout leaves time for the next try; the last try (or a request that cannot be
    // replayed, which has one) may use all that remains.
    const timer = setTimeout(
      () => abort.abort(),
      i < last ? Math.min(remaining, route.tryTimeoutMs) : remaining,
    );
    report.tries++;
    report.url = urls[i] as URL;
    try {
      const response = await platform.fetch(urls[i] as URL, {
        method: x.method,
        headers,
        body: hasBody ? (replay ?? x.body) : null,
        redirect: 'manual',
        signal: upload ? AbortSignal.any([abort.signal, upload]) : abort.signal,
      });
      report.originStatus = response.status;
      if (i < last && RETRY_STATUSES.has(response.status)) {
        await response.body?.cancel();
        await backoff(i, deadline);
        continue;
      }
      const origin = route.origins[i] as CompiledOrigin;
      report.answeredBy = { origin, index: i };
      report.originHeaders = response.headers;
      return { ok: true, response, origin, report, abort };
    } catch {
      // Workers cannot tell a refused connection from one lost after the request was sent, so a
      // replayed POST (opt-in) may reach two origins: that is why replay is opt-in.
      if (upload?.aborted) return failed(x, report, 502, 'bad_gateway', 'The upload was cut');
      const timedOut = abort.signal.aborted;
      if (i === last && !timedOut) {
        return failed(
          x,
          report,
          502,
          'bad_gateway',
          `The origin could not be reached (${report.tries} tries)`,
        );
      }
      if (i === last || Date.now() >= deadline) break;
      await backoff(i, deadline);
    } finally {
      clearTimeout(timer);
    }
  }
  return failed(x, report, 504, 'gateway_timeout', `The origin did not answer within ${route.timeoutMs} ms`);
}

function failed(
  x: Routed,
  report: UpstreamReport,
  status: 502 | 504,
  code: 'bad_gateway' | 'gateway_timeout',
  message: string,
): UpstreamResult {
  return { ok: false, answer: { ...jsonError(x, 'upstream', status, code, message), upstream: report } };
}

/** An answer the router makes before anything is sent upstream. */
function refused(
  x: Routed,
  status: 400 | 504,
  code: 'bad_request' | 'gateway_timeout',
  message: string,
): UpstreamResult {
  return { ok: false, answer: jsonError(x, 'upstream', status, code, message) };
}

/** A body kept for replay that was not the length it declared (or failed as it came). */
const BAD_BODY = Symbol('bad body');

/**
 * The body to send on every try when failover (two origins or more) may replay it: undefined
 * when it cannot be replayed (not idempotent without opt-in, or larger than max_replay_body / of
 * unknown size).
 * A body kept for replay is read into memory, bounded by max_replay_body and its declared length.
 */
async function replayableBody(
  x: Routed,
  hasBody: boolean,
  deadline: number,
): Promise<ArrayBuffer | null | undefined | typeof BAD_BODY | typeof LATE> {
  const route = x.route;
  // An origin that honours a method override header runs the method it names: a GET or PUT
  // carrying one that reaches the origin is as safe to replay as that method.
  const methods = [x.method, ...overriddenMethods(x.request.headers, route)];
  const idempotent = methods.every((method) => IDEMPOTENT.has(method));
  if (!idempotent && !route.retry.nonIdempotent) return undefined;
  if (!hasBody) return null;
  // Read into memory only when its length is known, and within the bound.
  const length = declaredLength(x.request.headers);
  if (length === null || length > route.retry.maxReplayBody || x.body === null) return undefined;
  return readExactly(x.body, length, deadline);
}

/**
 * Exactly `length` bytes of a client's body, read before `deadline`. A declared length is a
 * claim: a longer body is cut at the first byte past it, a shorter or failing one is BAD_BODY,
 * never a complete shorter request; a stalled client is LATE.
 */
async function readExactly(
  body: ReadableStream<Uint8Array>,
  length: number,
  deadline: number,
): Promise<ArrayBuffer | typeof BAD_BODY | typeof LATE> {
  const reader = byteReader(body);
  // Memory grows with the bytes that arrive, never with what the client claims it will send.
  const pieces: Uint8Array[] = [];
  let at = 0;
  try {
    for (;;) {
      const piece = await beforeDeadline(reader.read(), deadline);
      if (piece === null) return at === length ? joined(pieces, length) : BAD_BODY;
      if (piece === LATE || at + piece.byteLength > length) {
        await reader.cancel('request body not as declared').catch(() => undefined);
        return piece === LATE ? LATE : BAD_BODY;
      }
      // The reader hands its buffer back on the next read: keep a copy.
      pieces.push(piece.slice());
      at += piece.byteLength;
    }
  } catch {
    return BAD_BODY;
  }
}

function joined(pieces: Uint8Array[], length: number): ArrayBuffer {
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.byteLength;
  }
  return bytes.buffer;
}

/** Jittered backoff between tries, never past the deadline. */
function backoff(attempt: number, deadline: number): Promise<void> {
  const wait = Math.min(
    BACKOFF_MS * 2 ** attempt * (0.5 + Math.random()),
    Math.max(0, deadline - Date.now() - 1),
  );
  return new Promise((resolve) => setTimeout(resolve, wait));
}
