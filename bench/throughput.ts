/**
 * One load run with autocannon: the same generator, duration and concurrency for every target,
 * and the CPU time the target's process spent per request while it ran.
 */
import autocannon from 'autocannon';
import { cpuMs } from './cpu.ts';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU milliseconds of the target's process per request served (absent when not measured). */
  cpuMsPerRequest?: number;
}

/**
 * Drives `url` with keep-alive connections for `seconds`, sending `host` as the Host header;
 * `pid` is the process whose CPU time is counted.
 */
export async function runLoad(
  url: string,
  host: string,
  seconds: number,
  connections: number,
  pid?: number,
): Promise<LoadResult> {
  const cpuBefore = pid ? cpuMs(pid) : 0;
  const result = await autocannon({ url, duration: seconds, connections, headers: { host } });
  const served = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuMsPerRequest: pid && served > 0 ? (cpuMs(pid) - cpuBefore) / served : undefined,
  };
}
