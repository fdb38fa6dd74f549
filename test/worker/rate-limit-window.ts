/** Rate-limit tests over one counting window of miniflare's Rate Limiting simulation. */
import { it } from 'vitest';

/**
 * A test over one counting window. miniflare's simulation counts in windows aligned to the wall
 * clock (window = floor(Date.now() / period), in its RateLimiterObject) and its clock cannot be
 * moved, so instead of waiting for a fresh window: when the body fails while the window rolled
 * over, it runs once more. Every run takes fresh addresses and keys, so it starts at zero.
 * @example itInOneWindow('trips at the limit', 60, async () => { ... });
 */
export function itInOneWindow(name: string, periodSeconds: number, body: () => Promise<void>): void {
  it(name, async () => {
    const window = () => Math.floor(Date.now() / (periodSeconds * 1000));
    const started = window();
    try {
      await body();
    } catch (error) {
      if (window() === started) throw error;
      await body();
    }
  });
}
