/**
 * Instructions per request: the Worker's workerd process run under valgrind's callgrind, which
 * counts the user-space instructions it executes. Unlike time, the count repeats within about 1 %
 * from run to run whatever else the machine is doing, so small differences between the router
 * and the pass-through Worker can be seen. What it cannot see: time in the kernel (socket reads
 * and writes, the log line's write) and cache misses, which the CPU time column includes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startWorker } from './workers.ts';

/** True when valgrind is installed (it is on every machine this project targets; apt otherwise). */
export function hasCallgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Warms the Worker up, zeroes the counters, sends `requests` requests and reads the total.
 * @example await instructionsPerRequest(bundle.scriptPath, 'r5.bench.test', '/small', {})
 */
export async function instructionsPerRequest(
  scriptPath: string,
  host: string,
  path: string,
  bindings: Record<string, string>,
  requests = 500,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  // V8 writes code at run time: --smc-check makes valgrind see it.
  const callgrind = `valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=${dir}/cg.%p.out`;
  const worker = await startWorker(scriptPath, bindings, { launcher: callgrind });
  try {
    const url = new URL(path, worker.url).href;
    await autocannon({ url, amount: 300, connections: 8, headers: { host } });
    execFileSync('callgrind_control', ['-z', String(worker.pid)], { stdio: 'ignore' });
    await autocannon({ url, amount: requests, connections: 8, headers: { host } });
    execFileSync('callgrind_control', ['-d', String(worker.pid)], { stdio: 'ignore' });
    return dumpedTotal(dir) / requests;
  } finally {
    await worker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The instruction total of the dump taken after the measured requests. */
function dumpedTotal(dir: string): number {
  const dump = readdirSync(dir).find((f) => /^cg\.\d+\.out\.\d+$/.test(f));
  const total = dump && /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, dump), 'utf8'));
  if (!total) throw new Error('callgrind wrote no dump');
  return Number(total[1]);
}
