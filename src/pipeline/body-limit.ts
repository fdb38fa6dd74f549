/**
 * Request body limit (`max_body`) and upload integrity.
 *
 * A declared Content-Length over the limit is refused at once, before anything is sent. A body
 * without a length (chunked) is counted as it streams; past the limit the upstream request is
 * aborted, so the origin never receives more than the limit, and the client gets 413.
 *
 * Why abort rather than error the stream: when a request body stream errors, workerd ends the
 * chunked upload cleanly, so the origin would see a shorter body as complete. Aborting the
 * upstream fetch first resets the connection instead, and the origin sees an aborted upload.
 * The same guard covers a client whose chunked upload fails midway, on every route.
 * A body with a Content-Length is never wrapped: it streams natively, and keeps its length.
 */
import type { Exchange } from '../exchange.ts';
import { jsonError } from './errors.ts';

type UploadProblem = 'too_large' | 'failed';

/** The upload guard of an exchange: aborts the upstream fetch, and says why. */
interface Guard {
  controller: AbortController;
  problem?: UploadProblem;
}

const guards = new WeakMap<Exchange, Guard>();

/** @example bodyLimit(x) // 413 for Content-Length: 20000000 under max_body: 10mb */
export function bodyLimit(x: Exchange): Response | undefined {
  const max = x.matched?.maxBody ?? null;
  if (!x.body) return undefined;
  const declared = x.request.headers.get('content-length');
  if (declared !== null) {
    return max !== null && Number(declared) > max ? tooLarge(x, max) : undefined;
  }
  const guard: Guard = { controller: new AbortController() };
  guards.set(x, guard);
  x.body = guardedBody(x.body, max ?? Number.POSITIVE_INFINITY, (problem) => {
    guard.problem = problem;
    guard.controller.abort(new Error(`request body ${problem === 'too_large' ? 'over max_body' : 'failed'}`));
  });
  return undefined;
}

/**
 * The signal that aborts the upstream fetch when the upload is cut (undefined for bodies that
 * need no guard).
 * @example fetch(url, { body: x.body, signal: AbortSignal.any([timeout, uploadSignal(x)]) })
 */
export function uploadSignal(x: Exchange): AbortSignal | undefined {
  return guards.get(x)?.controller.signal;
}

/**
 * The router's answer when the upload was cut: 413 over max_body, 400 when the client's body
 * failed; undefined when the upload is fine.
 * @example const answer = uploadProblem(x); if (answer) return answer;
 */
export function uploadProblem(x: Exchange): Response | undefined {
  const problem = guards.get(x)?.problem;
  if (problem === 'too_large') return tooLarge(x, x.matched?.maxBody ?? 0);
  if (problem === 'failed') return jsonError(x, 400, 'bad_request', 'The request body ended with an error');
  return undefined;
}

/** The 413 answer. */
export function tooLarge(x: Exchange, max: number): Response {
  return jsonError(
    x,
    413,
    'payload_too_large',
    `The request body is larger than this route's limit of ${max} bytes`,
  );
}

/**
 * Passes the body through, counting bytes; calls `cut` (which aborts the upstream fetch) before
 * the stream is errored, past `max` or when the source fails. The chunk that crosses the limit is
 * never forwarded.
 */
function guardedBody(
  source: ReadableStream<Uint8Array>,
  max: number,
  cut: (problem: UploadProblem) => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        cut('failed');
        controller.error(error);
        return;
      }
      if (next.done) {
        controller.close();
        return;
      }
      seen += next.value.byteLength;
      if (seen > max) {
        cut('too_large');
        controller.error(new Error('request body over max_body'));
        await reader.cancel('request body over max_body').catch(() => undefined);
        return;
      }
      controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
