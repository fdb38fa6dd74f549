/**
 * Keeps the measured Worker and the load apart: on a machine with two cores or more (and
 * util-linux's `taskset`), workerd runs on core 0 and this process (autocannon and the origin)
 * on core 1. Sharing every core, the three fought for them, and whichever Worker the scheduler
 * favoured in a round looked faster: the ratios between Workers swung by 20 %.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Pinning {
  /** The program workerd is started under (bench/workers.ts `launcher`). */
  launcher: string;
  /** Lets this process use every core again. */
  release(): void;
}

/**
 * Pins this process to core 1 and returns the launcher that puts workerd on core 0, or null
 * when the machine has one core or no taskset (then everything shares, as before).
 * @example const pinning = pinCores(); try { ... } finally { pinning?.release(); }
 */
export function pinCores(): Pinning | null {
  const count = cpus().length;
  if (count < 2 || !hasTaskset()) return null;
  taskset('1');
  return { launcher: 'taskset -c 0', release: () => taskset(`0-${count - 1}`) };
}

/** Sets the cores of every thread of this process. */
function taskset(cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
