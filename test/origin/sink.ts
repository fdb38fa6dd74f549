/**
 * Reading what the test origin's /sink/KEY received (test/origin/server.ts), from Node or from
 * inside workerd alike.
 */

export interface Sink {
  /** The origin got the request. */
  seen: boolean;
  /** Body bytes it read, also from an upload that was cut. */
  bytes: number;
  /** The body ended cleanly: the origin saw a complete upload. */
  complete: boolean;
  /** The origin is done with the request (complete or cut). */
  ended: boolean;
}

/**
 * What /sink/KEY has received so far.
 * @example (await peekSink(originUrl(), key)).bytes
 */
export async function peekSink(origin: string, key: string): Promise<Sink> {
  return (await (await fetch(`${origin}/__sink/${key}`)).json()) as Sink;
}

/**
 * What /sink/KEY received, once the origin has finished with that request (polled for up to 5 s).
 * @example expect((await sinkState(originUrl(), key)).complete).toBe(false)
 */
export async function sinkState(origin: string, key: string): Promise<Sink> {
  for (let i = 0; i < 100; i++) {
    const state = await peekSink(origin, key);
    if (!state.seen || state.ended) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the origin never finished reading /sink/${key}`);
}
