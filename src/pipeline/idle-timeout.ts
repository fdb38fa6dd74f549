/**
 * The idle timeout of a response body: an origin that sends headers and then stalls would hold
 * the client (and the Worker) until the platform gives up. When the router has waited `idleMs`
 * for the origin's next bytes, the upstream fetch is aborted and the client's stream fails, so
 * the client sees a cut response, never a complete-looking short one. Only time spent waiting
 * for the origin counts: a client that reads slowly does not make the origin look idle.
 *
 * What it costs decides the design (docs/benchmarks.md, "Where the time goes"): a body that
 * passes through JavaScript costs workerd far more than the proxy work itself, which is why the
 * idle timeout is off unless a route sets it (the body then streams natively). When it is on,
 *
 * - a small body of known length (up to SMALL_BODY bytes, not content-encoded) is read whole
 *   under the idle clock, usually in one read, and answered from memory: its headers go out when
 *   its last byte has arrived, which for a body this size is the same network read. If it stalls
 *   or breaks, the client gets the same answer as from a stream: the origin's status, the bytes
 *   that came, then a failed body;
 * - any other body is pumped in large pieces (src/pipeline/byte-reader.ts) into a native stream
 *   that the client reads, with one timer per response, re-armed only when it fires.
 */
import { byteReader } from './byte-reader.ts';
import { readLength } from './declared-length.ts';

/** Largest body read whole before it is answered. */
export const SMALL_BODY = 64 * 1024;

/**
 * The body to send the client for an origin's response: the response's own when there is no
 * idle timeout, bytes for a small body, else a guarded stream.
 * @example new Response(await guardedBody(response, 'GET', 60_000, abort), { status, headers })
 */
export async function guardedBody(
  response: Response,
  method: string,
  idleMs: number,
  abort: AbortController,
): Promise<ReadableStream<Uint8Array> | Uint8Array | null> {
  const body = response.body;
  if (!body || idleMs <= 0) return body;
  const length = knownLength(response, method);
  return length !== null && length <= SMALL_BODY
    ? readSmall(body, length, idleMs, abort)
    : idleGuard(body, idleMs, abort, length);
}

/**
 * The length of the body as read (declared, not content-encoded), else null. The client's body
 * keeps it: a body the router passes on with a length of its own goes out with that
 * Content-Length, so a cut one ends short of it, which every client detects (a chunked one may
 * end with its final chunk all the same).
 */
function knownLength(response: Response, method: string): number | null {
  // HEAD: the length describes a body that never comes.
  const length = method === 'HEAD' ? null : readLength(response.headers);
  return length !== null && length > 0 ? length : null;
}

/**
 * Reads exactly `length` bytes under the idle clock. A body that stalls or breaks becomes a
 * stream of the bytes that came, then an error.
 */
async function readSmall(
  body: ReadableStream<Uint8Array>,
  length: number,
  idleMs: number,
  abort: AbortController,
): Promise<ReadableStream<Uint8Array> | Uint8Array> {
  const bytes = new Uint8Array(length);
  // A default reader: a BYOB reader costs more to set up than the one or few reads a small body
  // takes (measured: docs/benchmarks.md).
  const reader = body.getReader();
  const clock = idleClock(idleMs, (reason) => abort.abort(reason));
  let filled = 0;
  try {
    while (filled < length) {
      clock.waiting();
      const next = await reader.read();
      clock.arrived();
      if (next.done) throw new Error('the origin ended the body before its Content-Length');
      bytes.set(next.value.subarray(0, length - filled), filled);
      filled += next.value.byteLength;
    }
  } catch (error) {
    clock.stop();
    return cutStream(bytes.subarray(0, filled), length, error);
  }
  clock.stop();
  return bytes;
}

/**
 * A stream of the bytes that came, then `error`, with the declared `length`: what a client sees
 * of a body cut midway (fewer bytes than its Content-Length).
 */
function cutStream(bytes: Uint8Array, length: number, error: unknown): ReadableStream<Uint8Array> {
  const { readable, writable } = new FixedLengthStream(length);
  const writer = writable.getWriter();
  // Aborted once the bytes are read, not at once: aborting drops what is queued.
  (bytes.byteLength > 0 ? writer.write(bytes) : Promise.resolve())
    .then(() => writer.abort(error))
    .catch(() => undefined);
  return readable;
}

/**
 * Passes a body through to the client unchanged (with its `length`, when known); when the origin
 * has sent nothing for `idleMs`, aborts the upstream fetch and fails the client's stream.
 * @example new Response(idleGuard(response.body, 60_000, abort), response)
 */
export function idleGuard(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  abort: AbortController,
  length: number | null = null,
): ReadableStream<Uint8Array> {
  const { readable, writable } =
    length === null ? new IdentityTransformStream() : new FixedLengthStream(length);
  const writer = writable.getWriter();
  const reader = byteReader(body);
  const clock = idleClock(idleMs, (reason) => {
    writer.abort(reason).catch(() => undefined);
    abort.abort(reason);
  });
  const pump = async () => {
    try {
      for (;;) {
        clock.waiting();
        const piece = await reader.read();
        clock.arrived();
        if (piece === null) break;
        await writer.write(piece);
      }
      clock.stop();
      await writer.close();
    } catch (error) {
      // The origin broke or went idle, or the client went away: both sides learn it.
      clock.stop();
      writer.abort(error).catch(() => undefined);
      reader.cancel(error).catch(() => undefined);
    }
  };
  pump();
  return readable;
}

interface IdleClock {
  /** The router starts waiting for the origin. */
  waiting(): void;
  /** The origin's bytes (or its end) arrived. */
  arrived(): void;
  stop(): void;
}

/**
 * One timer per body, armed when the router first waits and re-armed only when it fires: a
 * timer per read would cost more than the read.
 */
function idleClock(idleMs: number, expire: (reason: Error) => void): IdleClock {
  let waitingSince = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    timer = undefined;
    if (waitingSince === 0) return;
    const idle = Date.now() - waitingSince;
    if (idle < idleMs) {
      timer = setTimeout(check, idleMs - idle);
      return;
    }
    expire(new Error(`the origin sent nothing for ${idleMs} ms`));
  };
  return {
    waiting() {
      waitingSince = Date.now();
      timer ??= setTimeout(check, idleMs);
    },
    arrived() {
      waitingSince = 0;
    },
    stop() {
      waitingSince = 0;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
