/**
 * Startup of a bundled Worker: top-level evaluation in V8 (what Cloudflare counts), new Miniflare
 * to ready, and the first request after that.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { startWorker } from './workers.ts';

export interface Startup {
  evalMs: number;
  readyMs: number;
  firstRequestMs: number;
}

/** The middle value (the upper one of an even count). */
export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Three tries, medians.
 * @example await measureStartup('bench/.out/seed/dist/seed-worker.js', 'api.fluxkontext.space', {})
 */
export async function measureStartup(
  script: string,
  host: string,
  bindings: Record<string, string>,
): Promise<Startup> {
  const ready: number[] = [];
  const first: number[] = [];
  const evaluation: number[] = [];
  for (let i = 0; i < 3; i++) {
    evaluation.push(evaluationMs(script));
    const worker = await startWorker(script, bindings);
    const t = performance.now();
    await fetchOnce(worker.url, host);
    first.push(performance.now() - t);
    ready.push(worker.readyMs);
    await worker.dispose();
  }
  return { evalMs: median(evaluation), readyMs: median(ready), firstRequestMs: median(first) };
}

/**
 * Worker startup as Cloudflare counts it: the bundle's top-level evaluation (parse, compile,
 * run), timed in a fresh V8 (a Node process) since workerd gives a Worker no clock that moves.
 * An empty module file is imported first: Node's module loader spends some 5 ms on its first
 * file, whatever it holds, and that is the harness's time, not the Worker's.
 */
function evaluationMs(script: string): number {
  const empty = join(dirname(script), 'empty-module.js');
  writeFileSync(empty, '');
  const code = `await import(${JSON.stringify(empty)}); const t = performance.now(); await import(${JSON.stringify(script)}); console.log(performance.now() - t);`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).trim(),
  );
}

function fetchOnce(url: URL, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path: '/small', headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    })
      .on('error', reject)
      .end();
  });
}
