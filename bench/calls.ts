/**
 * What each runtime call of the hot path costs in workerd: a Worker (bench/calls-worker.js)
 * loops one call 200,000 times per request; the CPU time of the workerd process around each batch,
 * per call, less the empty loop's. Medians of 3 batches.
 */
import { fileURLToPath } from 'node:url';
import { cpuMs } from './cpu.ts';
import { median } from './startup.ts';
import { startWorker } from './workers.ts';

const N = 200_000;
const SCRIPT = fileURLToPath(new URL('calls-worker.js', import.meta.url));

/**
 * Microseconds of CPU per call, by call.
 * @example (await measureCalls())['headers.get(name)'] // about 0.3
 */
export async function measureCalls(): Promise<Record<string, number>> {
  const worker = await startWorker(SCRIPT);
  try {
    const names = (await (await fetch(worker.url)).json()) as string[];
    const batch = async (name: string) => {
      const url = new URL(`/?call=${encodeURIComponent(name)}&n=${N}`, worker.url);
      await (await fetch(url)).text(); // warm-up: the call is compiled and optimised
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const before = cpuMs(worker.pid);
        await (await fetch(url)).text();
        runs.push(((cpuMs(worker.pid) - before) * 1000) / N);
      }
      return median(runs);
    };
    const empty = await batch(names[0] as string);
    const costs: Record<string, number> = {};
    for (const name of names.slice(1)) costs[name] = Math.max(0, (await batch(name)) - empty);
    return costs;
  } finally {
    await worker.dispose();
  }
}
