/**
 * Runs a bundled Worker in workerd through miniflare's API (wrangler dev's own proxy would cut
 * throughput several times and measure itself).
 *
 * workerd's stdout (the router's log line per request) goes to /dev/null. Read by this Node
 * process instead, every log line would take CPU from the load generator and the origin, which
 * share this process and the machine's two cores, and count against the router alone: the
 * baselines log nothing. On Cloudflare the lines are collected off the request's path.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare4';
import { COMPATIBILITY_DATE } from './bundle.ts';
import { newWorkerdPid, workerdPids } from './memory.ts';

export interface RunningWorker {
  url: URL;
  /** Milliseconds from `new Miniflare` to ready (workerd start + script evaluation). */
  readyMs: number;
  /** The workerd process serving this Worker alone (each Miniflare starts its own). */
  pid: number;
  dispose(): Promise<void>;
}

/** miniflare's own workerd binary. */
export const WORKERD = createRequire(createRequire(import.meta.url).resolve('miniflare4'))('workerd')
  .default as string;
const OUT = fileURLToPath(new URL('.out', import.meta.url));

export interface WorkerOptions {
  /** A program workerd runs under (valgrind, for bench/instructions.ts). */
  launcher?: string;
  /** Opens V8's inspector on this port (bench/profile.ts). */
  inspectorPort?: number;
}

/** Starts a Worker script with the given plain-text bindings. */
export async function startWorker(
  scriptPath: string,
  bindings: Record<string, string> = {},
  { launcher = '', inspectorPort }: WorkerOptions = {},
): Promise<RunningWorker> {
  const started = performance.now();
  const before = workerdPids();
  const previous = process.env.MINIFLARE_WORKERD_PATH;
  // miniflare's documented override of the workerd binary, set only while it starts workerd.
  process.env.MINIFLARE_WORKERD_PATH = wrapper(launcher);
  try {
    const mf = new Miniflare({
      modules: true,
      scriptPath,
      // Module names relative to the bundle, so a bundle outside the working directory loads too.
      modulesRoot: dirname(scriptPath),
      compatibilityDate: COMPATIBILITY_DATE,
      bindings,
      ...(inspectorPort === undefined ? {} : { inspectorPort }),
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        stdout.resume();
        stderr.resume();
      },
    });
    const url = await mf.ready;
    const readyMs = performance.now() - started;
    return { url, readyMs, pid: newWorkerdPid(before), dispose: () => mf.dispose() };
  } finally {
    if (previous === undefined) delete process.env.MINIFLARE_WORKERD_PATH;
    else process.env.MINIFLARE_WORKERD_PATH = previous;
  }
}

/** A shell script that starts workerd (under `launcher`) with its stdout sent to /dev/null. */
function wrapper(launcher: string): string {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `workerd-${launcher ? 'launched' : 'quiet'}-${process.pid}-${Date.now()}.sh`);
  writeFileSync(path, `#!/bin/sh\nexec ${launcher} ${WORKERD} "$@" >/dev/null\n`);
  chmodSync(path, 0o755);
  return path;
}
