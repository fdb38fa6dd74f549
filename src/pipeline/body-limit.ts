/**
 * Request body limit (`max_body`) and upload integrity, both halves in one stage.
 *
 * On the way in: a declared Content-Length over the limit is refused at once, before anything
 * is sent. A body without a length (chunked) is counted as it streams; past the limit (or when
 * the client's upload fails) the upstream request is aborted, so the origin never receives more
 * than the limit and never sees a cut upload as complete. On the way out: an answer to a cut
 * upload becomes the router's 413 (or 400), never the origin's answer to a request it saw in
 * part.
 *
 * Why abort rather than error the stream: when a request body stream errors, workerd ends the
 * chunked upload cleanly, so the origin would see a shorter body as complete. Aborting the
 * upstream fetch first resets the connection instead. A body with a Content-Length is never
 * wrapped: it streams natively, and keeps its length.
 */
import type { Exchange } from '../exchange.ts';
import { type Answer, jsonError } from './answer.ts';
import type { StageFactory } from './stage.ts';

type UploadProblem = 'too_large' | 'failed';

/** @example bodyLimit(route) // a stage answering 413 for Content-Length: 20000000 under max_body: 10mb */
export const bodyLimit: StageFactory = (route) => {
  const max = route.maxBody ?? Number.POSITIVE_INFINITY;
  return async (x, next) => {
    if (!x.body) return next(x);
    const declared = x.request.headers.get('content-length');
    if (declared !== null) return Number(declared) > max ? tooLarge(x, max) : next(x);
    const controller = new AbortController();
    const upload: { problem: UploadProblem | null; rest?: ReadableStreamDefaultReader<Uint8Array> } = {
      problem: null,
    };
    const body = countedBody(x.body, max, (why, rest) => {
      Object.assign(upload, { problem: why, rest });
      // workerd logs this reason as "Uncaught" when it stops the upload; the client gets 413/400.
      controller.abort(
        new Error(`upload ${why === 'too_large' ? 'over max_body' : 'failed'}: the router aborted it`),
      );
    });
    const answer = await next({ ...x, body, uploadCut: controller.signal });
    if (upload.problem === null) return answer;
    await answer.response.body?.cancel().catch(() => undefined);
    // Before the answer: workerd refuses to read a request body once the response is sent.
    if (upload.rest) await drain(upload.rest);
    return upload.problem === 'too_large'
      ? tooLarge(x, max)
      : jsonError(x, 'body limit', 400, 'bad_request', 'The request body ended with an error');
  };
};

/** How much of a refused upload is read and discarded, at most, before the rest is cancelled. */
const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 5_000;

/**
 * Reads the rest of a refused upload and discards it (up to DRAIN_BYTES or DRAIN_MS), then
 * cancels what is left. Cancelling at once left unread body bytes on the client's connection:
 * under `wrangler dev`, whose proxy keeps that connection to workerd, every later request then
 * waited 20 s or more.
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const deadline = Date.now() + DRAIN_MS;
  let drained = 0;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      drained += next.value.byteLength;
      if (drained > DRAIN_BYTES || Date.now() > deadline) break;
    }
  } catch {
    return;
  }
  await reader.cancel('request body over max_body').catch(() => undefined);
}

function tooLarge(x: Exchange, max: number): Answer {
  const message = `The request body is larger than this route's limit of ${max} bytes`;
  return jsonError(x, 'body limit', 413, 'payload_too_large', message);
}

/**
 * Passes the body through, counting bytes; calls `cut` (which aborts the upstream fetch) before
 * the stream is errored, past `max` or when the source fails. The chunk that crosses the limit is
 * never forwarded; past the limit, `cut` also gets the rest of the client's body to drain.
 */
function countedBody(
  source: ReadableStream<Uint8Array>,
  max: number,
  cut: (problem: UploadProblem, rest?: ReadableStreamDefaultReader<Uint8Array>) => void,
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
        cut('too_large', reader);
        // The upstream fetch is aborted: it stops reading and cancels this stream. Erroring it
        // as well would only log an uncaught error.
        return new Promise<void>(() => undefined);
      }
      controller.enqueue(next.value);
    },
    cancel(reason) {
      if (seen <= max) return reader.cancel(reason);
    },
  });
}
