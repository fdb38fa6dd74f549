/**
 * Storing a response copy only when it arrived whole.
 *
 * An origin can die mid-body after its headers went out. The client then sees its stream fail,
 * but the cache must not keep the part that came: workerd's `cache.put` of a body stream that
 * fails can still store what arrived (miniflare does, even through a FixedLengthStream when the
 * body is a tee branch). So a copy up to MAX_COLLECTED is collected first and stored only when it
 * ended without error at its declared length; a larger copy is streamed into the cache, watched,
 * and deleted again when it turns out cut (a short window in which a cut copy could be served;
 * the README says so).
 */

/** Largest copy collected in memory before it is stored. */
const MAX_COLLECTED = 8 * 1024 * 1024;

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
    const declared = Number(headers.get('content-length') ?? Number.NaN);
    // fetch() decodes gzip/br bodies, so the Content-Length of an encoded body is not what is read.
    const encoded = (headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
    const length = Number.isSafeInteger(declared) && declared >= 0 && !encoded ? declared : undefined;

    if (length === undefined || length <= MAX_COLLECTED) {
      const whole = await collect(body, MAX_COLLECTED);
      if (!whole || (length !== undefined && whole.byteLength !== length)) return;
      await cache.put(key, new Response(whole, { status, headers }));
      return;
    }
    let intact = false;
    const watched = watch(body, length, () => {
      intact = true;
    });
    await cache.put(key, new Response(watched, { status, headers })).catch(() => undefined);
    if (!intact) await cache.delete(key);
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

/** Passes `body` through and calls `whole` only if it ends cleanly after exactly `length` bytes. */
function watch(
  body: ReadableStream<Uint8Array>,
  length: number,
  whole: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await reader.read();
      if (next.done) {
        if (seen === length) whole();
        controller.close();
        return;
      }
      seen += next.value.byteLength;
      controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
