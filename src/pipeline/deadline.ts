/**
 * A wait on a client's body with a clock: reading a stream from a client that stalls never
 * settles, so a stage that reads one itself (a refused upload's drain, a body kept for replay)
 * races each read against its deadline.
 */

/** What `beforeDeadline` resolves with when the deadline passed first. */
export const LATE = Symbol('late');

/**
 * `promise`'s value, or LATE once `deadline` (a Date.now() value) has passed.
 * @example const piece = await beforeDeadline(reader.read(), Date.now() + 5_000); if (piece === LATE) ...
 */
export async function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | typeof LATE> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
