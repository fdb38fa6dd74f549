/**
 * Test harness inside workerd: compiles a route table in code (the same compiler the build
 * uses) and sends real requests through the real Worker, to the real local origins that
 * test/origin/global-setup.ts started. Nothing is stubbed: fetch, caches and rate limits are
 * workerd's own.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { compileConfig } from '../../scripts/compiler/compile.ts';
import type { RawConfig, RawRoute } from '../../scripts/compiler/config.ts';
import { applyEnvironment } from '../../scripts/compiler/environments.ts';
import type { Env } from '../../src/exchange.ts';
import { createWorker } from '../../src/worker.ts';

export const testEnv = env as unknown as Env & {
  ORIGIN_PORT: string;
  BACKUP_PORT: string;
  DEAD_PORT: string;
  /** Size and seed of the generated path test (`npm run fuzz` sets them). */
  FUZZ_RUNS?: string;
  FUZZ_SEED?: string;
};

/** http://127.0.0.1:PORT of the primary test origin (or `backup`, or a closed `dead` port). */
export function originUrl(which: 'primary' | 'backup' | 'dead' = 'primary'): string {
  const port = { primary: testEnv.ORIGIN_PORT, backup: testEnv.BACKUP_PORT, dead: testEnv.DEAD_PORT }[which];
  return `http://127.0.0.1:${port}`;
}

/**
 * How many requests an origin has counted for `key` (its /count/KEY path; read at /__count/KEY):
 * proof of whether a request reached it.
 * @example expect(await originCount(`secret-${run}`)).toBe(0)
 */
export async function originCount(key: string, which: 'primary' | 'backup' = 'primary'): Promise<number> {
  const response = await fetch(`${originUrl(which)}/__count/${key}`);
  return ((await response.json()) as { count: number }).count;
}

/** A `${env.NAME}` reference, as routes.yaml writes one. */
export const envRef = (name: string): string => `\${env.${name}}`;

export interface TestRouter {
  /** Sends a request through the Worker and waits for background work (cache stores). */
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
}

/**
 * A router over routes written in code, as they would be in routes.yaml (in one of its
 * environments, when `environment` is given). Its vars reach the Worker as a deploy sets them.
 * @example const router = routerFor([{ id: 'api', hosts: ['api.test'], origin: originUrl() }]);
 */
export function routerFor(
  routes: RawRoute[],
  extra: Omit<Partial<RawConfig>, 'routes'> = {},
  envOverride: Partial<Env> = {},
  environment?: string,
): TestRouter {
  const config: RawConfig = { version: 1, ...extra, routes };
  const fail = (path: unknown[], message: string) => {
    throw new Error(`${path.join('.')}: ${message}`);
  };
  const table = compileConfig(environment ? applyEnvironment(config, environment, fail) : config);
  if (environment) table.environment = environment;
  const worker = createWorker(table);
  return {
    async fetch(input, init) {
      const request = typeof input === 'string' ? new Request(input, init) : input;
      const ctx = createExecutionContext();
      const response = await (worker.fetch as NonNullable<typeof worker.fetch>)(
        request as Request<unknown, IncomingRequestCfProperties>,
        { ...testEnv, ...table.vars, ...envOverride },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return response;
    },
  };
}

/** What the echo origin reports it received. */
export interface Echo {
  origin: string;
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  /** Header names and values in the order the lines arrived: [name, value, name, value...]. */
  rawHeaders: string[];
  bodyLength: number;
  bodySha256: string;
  count: number;
}

/** Hex sha256 of a byte stream, read chunk by chunk. */
export async function sha256(data: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Reads a body the way a client does and reports what it could detect: the bytes it got, and
 * whether the stream failed (a cut body, never a complete-looking short one).
 * @example expect(await readAll(response)).toEqual({ bytes: 2048, failed: false });
 */
export async function readAll(response: Response): Promise<{ bytes: number; failed: boolean }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let bytes = 0;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read())
      bytes += next.value.byteLength;
    return { bytes, failed: false };
  } catch {
    return { bytes, failed: true };
  }
}
