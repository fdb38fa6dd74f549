/**
 * Request body limit (`max_body`): a declared Content-Length over the limit is refused at once;
 * a body without one is counted as it streams and cut at the limit, so the origin never
 * receives more than the limit and the client gets 413.
 */
import type { Exchange } from '../exchange.ts';
import { jsonError } from './errors.ts';

/** @example bodyLimit(x) // 413 for Content-Length: 20000000 under max_body: 10mb */
export function bodyLimit(x: Exchange): Response | undefined {
  const max = x.matched?.maxBody;
  if (max === null || max === undefined || !x.body) return undefined;
  const declared = x.request.headers.get('content-length');
  if (declared !== null) {
    return Number(declared) > max ? tooLarge(x, max) : undefined;
  }
  let seen = 0;
  x.body = x.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > max) {
          x.bodyTooLarge = true;
          controller.error(new Error('request body over max_body'));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return undefined;
}

/** The 413 answer, shared with the upstream stage for bodies cut mid-stream. */
export function tooLarge(x: Exchange, max: number): Response {
  return jsonError(
    x,
    413,
    'payload_too_large',
    `The request body is larger than this route's limit of ${max} bytes`,
  );
}
