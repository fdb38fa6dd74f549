/**
 * One load run with autocannon: the same generator, duration and concurrency for every target.
 */
import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Drives `url` with keep-alive connections for `seconds`, sending `host` as the Host header. */
export async function runLoad(
  url: string,
  host: string,
  seconds: number,
  connections: number,
): Promise<LoadResult> {
  const result = await autocannon({ url, duration: seconds, connections, headers: { host } });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
