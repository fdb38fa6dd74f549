/**
 * The idle timeout of a response body: an origin that sends headers and then stalls would hold
 * the client (and the Worker) until the platform gives up. The body passes through unchanged;
 * when no bytes arrive for `idleMs`, the upstream fetch is aborted and the client's stream fails,
 * so the client sees a cut response, never a complete-looking short one.
 *
 * One timer per response, re-armed from the time of the last chunk, not one per chunk.
 */

/**
 * @example new Response(idleGuard(response.body, 60_000, abort), response)
 */
export function idleGuard(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  abort: AbortController,
): ReadableStream<Uint8Array> {
  let lastChunk = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      const check = () => {
        const idle = Date.now() - lastChunk;
        if (idle < idleMs) {
          timer = setTimeout(check, idleMs - idle);
          return;
        }
        const reason = new Error(`the origin sent nothing for ${idleMs} ms`);
        controller.error(reason);
        abort.abort(reason);
      };
      timer = setTimeout(check, idleMs);
    },
    transform(chunk, controller) {
      lastChunk = Date.now();
      controller.enqueue(chunk);
    },
    flush() {
      clearTimeout(timer);
    },
  });
  body.pipeTo(stream.writable).catch(() => clearTimeout(timer));
  return stream.readable;
}
