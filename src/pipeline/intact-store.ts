/**
 * Storing a response copy only when it arrived whole.
 *
 * An origin can die mid-body after its headers went out. The client then sees its stream fail,
 * but the cache must not keep the part that came: workerd's `cache.put` of a body stream that
 * fails can still store what arrived (miniflare does, even through a FixedLengthStream when the
 * body is a tee branch). So the copy is collected first, up to MAX_COLLECTED, and stored only when
 * it ended without error at its declared length. A larger body is never stored (the cache stage
 * does not copy one): its copy would have to stream into the cache, and the tee that splits the
 * body buffers without bound for the slower reader, so a client reading slowly made the router
 * hold a whole large body in memory.
 */

import { readLength } from './declared-length.ts';

/** Largest copy collected in memory, and the largest body stored. */
export const MAX_COLLECTED = 8 * 1024 * 1024;

/**
 * Puts `body` under `key` when it arrives whole; never rejects (a failed copy is not kept).
 * @example ctx.waitUntil(storeIntact(caches.default, key, copy, 200, headers));
 */
export async function storeIntact(
  cache: Cache,
  key: Request,
  body: ReadableStream<Uint8Array> | null,
  status: number,
  headers: Headers,
): Promise<void> {
  try {
    if (!body) {
      await cache.put(key, new Response(null, { status, headers }));
      return;
    }
    const length = readLength(headers);
    // A body of unknown length (chunked, or encoded) is given up past MAX_COLLECTED.
    const whole = await collect(body, MAX_COLLECTED);
    if (!whole || (length !== null && whole.byteLength !== length)) return;
    await cache.put(key, new Response(whole, { status, headers }));
  } catch {
    // The cache refused the copy: nothing is stored.
  }
}

/** The whole stream as bytes, or undefined when it fails or runs past `max`. */
async function collect(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      size += next.value.byteLength;
      if (size > max) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(next.value);
    }
  } catch {
    return undefined;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
