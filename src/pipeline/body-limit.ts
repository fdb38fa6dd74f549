/**
 * Request body limit (`max_body`) and upload integrity, both halves in one stage, on routes that
 * set `max_body`.
 *
 * On the way in: a declared Content-Length over the limit is refused at once, before anything
 * is sent. Every body is then counted as it streams, declared length or not: a declared length is
 * a claim (a client may send more than it declares: src/pipeline/declared-length.ts), so it only
 * ever refuses early. Past the limit, past or short of the declared length, or when the client's
 * upload fails, the upstream request is aborted, so the origin never receives more than the
 * limit and never sees a cut upload as complete. A body with a length is passed on through a
 * FixedLengthStream, so the origin still gets its Content-Length. On the way out: an answer to a
 * cut upload becomes the router's 413 (or 400), never the origin's answer to a request it saw in
 * part.
 *
 * Why abort rather than error the stream: when a request body stream errors, workerd ends the
 * chunked upload cleanly, so the origin would see a shorter body as complete. Aborting the
 * upstream fetch first resets the connection instead.
 *
 * Routes without `max_body` get no stage: their bodies stream natively. A client whose upload
 * fails midway has lost its connection, and workerd then cancels the request and the upstream
 * fetch with it, so the origin sees a reset, never a complete body (measured with real clients:
 * docs/benchmarks.md, "Chunked uploads"). Counting in JavaScript is only needed to enforce a
 * limit.
 */
import type { Exchange } from '../exchange.ts';
import { type Answer, jsonError } from './answer.ts';
import { type ByteReader, byteReader } from './byte-reader.ts';
import { beforeDeadline, LATE } from './deadline.ts';
import { declaredLength } from './declared-length.ts';
import type { StageFactory } from './stage.ts';

type UploadProblem = 'too_large' | 'failed' | 'not_as_declared';

const PROBLEM_MESSAGES: Record<Exclude<UploadProblem, 'too_large'>, string> = {
  failed: 'The request body ended with an error',
  not_as_declared: 'The request body is not the length its Content-Length declares',
};

/** @example bodyLimit(route) // a stage answering 413 for Content-Length: 20000000 under max_body: 10mb */
export const bodyLimit: StageFactory = (route) => {
  const max = route.maxBody;
  if (max === null) return null;
  return async (x, next) => {
    if (!x.body) return next(x);
    const declared = declaredLength(x.request.headers);
    if (declared !== null && declared > max) return tooLarge(x, max);
    const controller = new AbortController();
    const upload: { problem: UploadProblem | null; rest?: ByteReader } = { problem: null };
    const body = countedBody(x.body, max, declared, (why, rest) => {
      Object.assign(upload, { problem: why, rest });
      // workerd logs this reason as "Uncaught" when it stops the upload; the client gets 413/400.
      controller.abort(new Error(`upload refused (${why}): the router aborted it`));
    });
    const answer = await next({ ...x, body, uploadCut: controller.signal }).catch((error: unknown) => {
      // A stage that reads the body whole (failover's replay) fails with it: the cut answers.
      if (upload.problem === null) throw error;
      return null;
    });
    const problem = upload.problem;
    // Without a problem nothing was caught, so there is an answer.
    if (problem === null) return answer as Answer;
    await answer?.response.body?.cancel().catch(() => undefined);
    // Before the answer: workerd refuses to read a request body once the response is sent.
    if (upload.rest) await drain(upload.rest);
    return problem === 'too_large'
      ? tooLarge(x, max)
      : jsonError(x, 'body limit', 400, 'bad_request', PROBLEM_MESSAGES[problem]);
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
async function drain(reader: ByteReader): Promise<void> {
  const deadline = Date.now() + DRAIN_MS;
  let drained = 0;
  try {
    // Each read races the deadline: a client that stalls mid-upload never ends a read.
    while (drained <= DRAIN_BYTES) {
      const piece = await beforeDeadline(reader.read(), deadline);
      if (piece === null || piece === LATE) break;
      drained += piece.byteLength;
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

type Cut = (problem: UploadProblem, rest?: ByteReader) => void;

/**
 * Passes the body through, counting bytes; calls `cut` (which aborts the upstream fetch) before
 * the stream is errored: past `max`, past or short of the `declared` length, or when the source
 * fails. The piece that crosses a bound is never forwarded; `cut` then also gets the rest of the
 * client's body to drain.
 *
 * The body is pumped into a native stream in large pieces through one reused buffer
 * (src/pipeline/byte-reader.ts), so a long upload leaves little garbage behind: workerd's memory
 * stays bounded, a few tens of MiB above idle (docs/benchmarks.md).
 */
function countedBody(
  source: ReadableStream<Uint8Array>,
  max: number,
  declared: number | null,
  cut: Cut,
): ReadableStream<Uint8Array> {
  const { readable, writable } =
    declared === null ? new IdentityTransformStream() : new FixedLengthStream(declared);
  pump(byteReader(source), writable.getWriter(), max, declared, cut);
  return readable;
}

async function pump(
  reader: ByteReader,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  max: number,
  declared: number | null,
  cut: Cut,
): Promise<void> {
  let seen = 0;
  for (;;) {
    let piece = await readOrCut(reader, writer, cut);
    if (piece === undefined) return;
    if (piece === null) {
      if (declared === null || seen === declared) await writer.close().catch(() => undefined);
      else refuse(writer, cut, 'not_as_declared');
      return;
    }
    seen += piece.byteLength;
    // The upstream fetch is aborted first: it stops reading and resets the upload, then the
    // stream errors for anything else still reading it (failover's replay reads it whole).
    if (seen > max) return refuse(writer, cut, 'too_large', reader);
    if (declared !== null && seen > declared) return refuse(writer, cut, 'not_as_declared', reader);
    if (seen === declared) {
      // The last declared byte: once written, the origin holds a complete body, so the client's
      // body must end here first. The piece is copied: the next read reuses its buffer.
      const last = piece.slice();
      const after = await readOrCut(reader, writer, cut);
      if (after === undefined) return;
      if (after !== null)
        return refuse(writer, cut, seen + after.byteLength > max ? 'too_large' : 'not_as_declared', reader);
      piece = last;
    }
    try {
      await writer.write(piece);
    } catch (error) {
      // The fetch stopped reading (the origin answered early, or it was aborted).
      await reader.cancel(error).catch(() => undefined);
      return;
    }
  }
}

/**
 * The next piece that holds bytes, null at the end, or undefined when the client's body failed
 * (then cut).
 */
async function readOrCut(
  reader: ByteReader,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  cut: Cut,
): Promise<Uint8Array | null | undefined> {
  try {
    for (;;) {
      const piece = await reader.read();
      if (piece === null || piece.byteLength > 0) return piece;
    }
  } catch (error) {
    cut('failed');
    writer.abort(error).catch(() => undefined);
    return undefined;
  }
}

/** Cuts the upload (the upstream fetch is aborted), then errors the stream passed on. */
function refuse(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  cut: Cut,
  problem: UploadProblem,
  rest?: ByteReader,
): void {
  cut(problem, rest);
  writer.abort(new Error(`upload refused (${problem})`)).catch(() => undefined);
}
