/**
 * The shape of a pipeline stage, after Hono's middleware: a stage gets the routed exchange and
 * `next`, the rest of the pipeline. It may answer on its own (and nothing after it runs), or
 * call `next` and work on the answer that comes back, so one stage owns both halves of its job
 * (CORS decides a preflight and decorates every response; the body limit wraps the upload and
 * turns a cut one into 413).
 *
 * Stages are built per route by factories, once, on the route's first request: a factory sees
 * the compiled route and returns the stage it needs, or null when the route has nothing for it
 * (no `access` rules, no `cors`...), so a plain route runs a short chain.
 */
import type { Routed } from '../exchange.ts';
import type { CompiledRoute } from '../table/types.ts';
import type { Answer } from './answer.ts';

export type Next = (x: Routed) => Promise<Answer>;

export type Stage = (x: Routed, next: Next) => Answer | Promise<Answer>;

/** What the pipeline reaches outside itself: the Worker passes the real ones, `explain` dry ones. */
export interface Platform {
  /** Sends a request upstream (the Worker: the global fetch). */
  fetch(url: URL, init: RequestInit): Promise<Response>;
  /** The edge cache (the Worker: caches.default). */
  cache(): Cache;
}

/** Builds a route's stage, or returns null when the route needs none. */
export type StageFactory = (route: CompiledRoute, platform: Platform) => Stage | null;

/**
 * Chains stages around a last handler: `compose([a, b], last)(x)` runs a, which may call b,
 * which may call last.
 * @example const handle = compose([access, methods], proxy); await handle(x);
 */
export function compose(stages: Stage[], last: Next): Next {
  // Not an async wrapper: a promise returned from an async function is adopted through extra
  // microtask turns, once per stage and request. A stage's promise is passed on as it is.
  return stages.reduceRight<Next>((next, stage) => (x) => settled(stage(x, next)), last);
}

function settled(answer: Answer | Promise<Answer>): Promise<Answer> {
  return answer instanceof Promise ? answer : Promise.resolve(answer);
}
