/**
 * Runs a bundled Worker in workerd through miniflare's API (wrangler dev's own proxy would cut
 * throughput several times and measure itself). Worker log lines are drained, not printed.
 */
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare4';
import { COMPATIBILITY_DATE } from './bundle.ts';
import { workerdPid } from './memory.ts';

export interface RunningWorker {
  url: URL;
  /** Milliseconds from `new Miniflare` to ready (workerd start + script evaluation). */
  readyMs: number;
  /** The workerd process serving this Worker alone (each Miniflare starts its own). */
  pid: number;
  dispose(): Promise<void>;
}

/** Starts a Worker script with the given plain-text bindings. */
export async function startWorker(
  scriptPath: string,
  bindings: Record<string, string> = {},
): Promise<RunningWorker> {
  const started = performance.now();
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    // Module names relative to the bundle, so a bundle outside the working directory loads too.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.resume();
      stderr.resume();
    },
  });
  const url = await mf.ready;
  const readyMs = performance.now() - started;
  return { url, readyMs, pid: workerdPid(), dispose: () => mf.dispose() };
}
