/**
 * Smoke tests inside a deploy: the route tests of the target, sent over HTTP to the real
 * hostnames (or to --smoke-base with the case's Host header), only for the hosts that reach the
 * Worker at that moment. Before traffic moves, every request is pinned to the new version with
 * Cloudflare's version-override header, and the debug headers must name that version.
 */

import { normalizeHost } from '../../src/routing/host.ts';
import type { CompiledTable } from '../../src/table/types.ts';
import { hold } from '../cli/cancel.ts';
import type { Io } from '../cli/io.ts';
import type { RouteTestCase } from '../cli/route-test-file.ts';
import { runSmoke } from '../smoke/run.ts';

export const VERSION_OVERRIDE_HEADER = 'Cloudflare-Workers-Version-Overrides';

export interface SmokeSetup {
  file: string;
  cases: RouteTestCase[];
  /** The table the cases were read against (failures hide what it holds, as check does). */
  table?: CompiledTable;
  workerName: string;
  /** The debug token (ROUTER_DEBUG_TOKEN), when the deploy has it. */
  token?: string;
  /** Send requests here with the case's Host header instead of to the real hostnames. */
  base?: URL;
}

/** The host a case addresses, as the router routes it (src/routing/host.ts: lower case, no port, no trailing dots). */
export function caseHost(testCase: RouteTestCase): string {
  return normalizeHost(new URL(testCase.request.url).hostname);
}

export interface SmokeHostsOptions {
  reaches: (host: string) => boolean;
  version?: string;
  why: (host: string) => string;
  /** Cuts the smoke test short (a cancelled deploy); what it reports then does not count. */
  signal?: AbortSignal;
}

/**
 * Runs the cases whose host `reaches` says reaches the Worker, pinned to `version` when given.
 * Returns true when every case that ran passed.
 * @example await smokeHosts(setup, { reaches: (h) => servesHost(live, h), version: newId }, io)
 */
export async function smokeHosts(setup: SmokeSetup, options: SmokeHostsOptions, io: Io): Promise<boolean> {
  const pin: Array<[string, string]> = options.version
    ? [[VERSION_OVERRIDE_HEADER, `${setup.workerName}="${options.version}"`]]
    : [];
  const report = await runSmoke(
    {
      file: setup.file,
      cases: setup.cases,
      table: setup.table,
      base: setup.base,
      hostHeader: setup.base !== undefined,
      token: setup.token,
      headers: pin,
      version: options.version,
      signal: options.signal,
      skip: (testCase) => {
        const host = caseHost(testCase);
        return options.reaches(host) ? null : options.why(host);
      },
    },
    io,
  );
  return report.failed === 0;
}

/**
 * Retries a smoke test until it passes or `timeoutMs` runs out (a custom domain just attached
 * needs its certificate before it answers); only the last attempt's report is printed.
 * @example await untilPasses((quiet) => smokeHosts(setup, options, quiet), 120_000, io)
 */
export async function untilPasses(
  run: (io: Io) => Promise<boolean>,
  timeoutMs: number,
  io: Io,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const lines: string[] = [];
    const quiet: Io = { ...io, err: (text) => lines.push(text), out: (text) => lines.push(text) };
    const passed = await run(quiet);
    if (passed || Date.now() >= deadline || io.signal?.aborted) {
      for (const line of lines) io.err(line);
      return passed;
    }
    io.err(
      `    attempt ${attempt} failed; trying again (until ${Math.ceil((deadline - Date.now()) / 1000)} s from now)`,
    );
    await hold(Math.min(10_000, Math.max(0, deadline - Date.now())), io.signal);
    if (io.signal?.aborted) {
      for (const line of lines) io.err(line);
      return false;
    }
  }
}
