/**
 * Runs route test cases as real HTTP requests against a running router and reports each failure
 * the way `check` reports a route test (FILE:LINE:COL, the request, expected vs actual). Used by
 * `npm run smoke` and by the deploy, which smoke-tests a new version before it takes traffic.
 */
import { DEBUG_HEADER } from '../../src/pipeline/debug.ts';
import { canonicalPath } from '../../src/routing/canonical-path.ts';
import { createResolver, type Resolver } from '../../src/routing/resolve.ts';
import type { CompiledRoute, CompiledTable } from '../../src/table/types.ts';
import type { Io } from '../cli/io.ts';
import type { RouteTestCase } from '../cli/route-test-file.ts';
import { formatCaseFailure, type Mismatch } from '../cli/route-test-run.ts';
import { compareAnswer } from './compare.ts';
import { send } from './send.ts';

export interface SmokeOptions {
  /** The test file as it is named in reports. */
  file: string;
  cases: RouteTestCase[];
  /** The table the cases were read against: a failure hides what its routes hold, as check does. */
  table?: CompiledTable;
  /** Send every request here (scheme, host, port) instead of to the case's own URL. */
  base?: URL;
  /** With `base`: send the case's host as the Host header (a local `wrangler dev` routes on it). */
  hostHeader?: boolean;
  /** The debug token (the Worker's ROUTER_DEBUG_TOKEN): lets route and upstream be checked. */
  token?: string;
  /** Extra request headers on every case (e.g. Cloudflare-Workers-Version-Overrides). */
  headers?: Array<[string, string]>;
  /** The version id every answer must come from (checked through the debug headers). */
  version?: string;
  /** Which cases to run; the others are reported as skipped with the reason returned. */
  skip?: (testCase: RouteTestCase) => string | null;
  timeoutMs?: number;
  /** Stops the run: the request under way is aborted and no further case is sent. */
  signal?: AbortSignal;
}

export interface SmokeReport {
  passed: number;
  failed: number;
  skipped: number;
  /** Cases with route/upstream expectations that could not be checked (no debug token). */
  unchecked: number;
}

/**
 * Runs the cases one after another (a smoke test is a handful of requests; sequential keeps the
 * report in file order and the load on production negligible) and prints failures to io.err.
 * @example const report = await runSmoke({ file: 'routes.test.yaml', cases, base: new URL('http://127.0.0.1:8787'), hostHeader: true }, io);
 */
export async function runSmoke(options: SmokeOptions, io: Io): Promise<SmokeReport> {
  const report: SmokeReport = { passed: 0, failed: 0, skipped: 0, unchecked: 0 };
  const resolver = options.table ? createResolver(options.table) : null;
  for (const testCase of options.cases) {
    if (options.signal?.aborted) break;
    const reason = options.skip?.(testCase) ?? null;
    if (reason !== null) {
      report.skipped++;
      io.err(`${options.file}:${testCase.line}:${testCase.col}  skip  ${testCase.name} (${reason})`);
      continue;
    }
    const { mismatches, note, unchecked } = await runCase(testCase, options, resolver);
    // Cut short: the case's answer (an abort) says nothing about the version under test.
    if (options.signal?.aborted) break;
    if (unchecked) report.unchecked++;
    if (mismatches.length === 0) {
      report.passed++;
      continue;
    }
    report.failed++;
    io.err(`${formatCaseFailure(options.file, testCase, mismatches, note)}\n`);
  }
  io.err(summary(options, report));
  return report;
}

async function runCase(
  testCase: RouteTestCase,
  options: SmokeOptions,
  resolver: Resolver | null,
): Promise<{ mismatches: Mismatch[]; note: string | null; unchecked: boolean }> {
  const url = new URL(testCase.request.url);
  const target = options.base ?? url;
  const headers: Array<[string, string]> = [
    ...(testCase.request.headers as Array<[string, string]>),
    ...(options.headers ?? []),
  ];
  // Sent to the case's own URL, or with --host-header: the case's host, as written.
  const hasHost = headers.some(([name]) => name.toLowerCase() === 'host');
  if (!hasHost && (!options.base || options.hostHeader))
    headers.push(['host', split(testCase.request.url).authority]);
  if (options.token && mayCarryToken(target)) headers.push([DEBUG_HEADER, options.token]);
  try {
    const answer = await send({
      target,
      path: split(testCase.request.url).target,
      method: testCase.request.method,
      headers,
      timeoutMs: options.timeoutMs ?? 15_000,
      signal: options.signal,
    });
    const verdict = compareAnswer(testCase.expect, answer, {
      debug: headers.some(([name]) => name === DEBUG_HEADER),
      version: options.version,
      route: resolver ? routeOf(resolver, testCase.request.url) : null,
    });
    const note = verdict.routerError
      ? `the router answered ${verdict.routerError.code}: ${verdict.routerError.message}`
      : null;
    return { mismatches: verdict.mismatches, note, unchecked: verdict.unchecked.length > 0 };
  } catch (error) {
    return {
      mismatches: [{ field: 'answer', expected: 'an HTTP answer', actual: (error as Error).message }],
      note: `sent to ${target.origin}`,
      unchecked: false,
    };
  }
}

/**
 * The debug token never travels in clear text beyond this machine: it goes over https, or to a
 * loopback address (a local `wrangler dev`, the deploy's stand-ins).
 * @example mayCarryToken(new URL('http://api.example.com/')) // false
 */
export function mayCarryToken(target: URL): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return target.protocol === 'https:' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The route a case's URL resolves to, as check resolves it (null when it reaches none). */
function routeOf(resolver: Resolver, url: string): CompiledRoute | null {
  const parsed = new URL(url);
  const path = canonicalPath(parsed.pathname);
  return path.ok ? (resolver.resolve(parsed.hostname, path.path)?.route ?? null) : null;
}

/**
 * The host (as written, port and trailing dot included) and the request target (path and query
 * byte for byte) of a case's URL: URL parsing would lower-case the one and normalise `%2F..` in
 * the other, and the router must see what the case wrote.
 */
function split(url: string): { authority: string; target: string } {
  const withoutFragment = url.replace(/#.*$/, '');
  const afterScheme = withoutFragment.indexOf('//') + 2;
  const end = withoutFragment.slice(afterScheme).search(/[/?]/);
  if (end === -1) return { authority: withoutFragment.slice(afterScheme), target: '/' };
  const rest = withoutFragment.slice(afterScheme + end);
  return {
    authority: withoutFragment.slice(afterScheme, afterScheme + end),
    target: rest.startsWith('/') ? rest : `/${rest}`,
  };
}

function summary(options: SmokeOptions, report: SmokeReport): string {
  const total = report.passed + report.failed;
  const where = options.base
    ? `${options.base.origin}${options.hostHeader ? ' (Host header from each case)' : ''}`
    : "each case's own URL";
  const verdict =
    report.failed === 0
      ? `all ${total} case${total === 1 ? '' : 's'} pass`
      : `${report.failed} of ${total} case${total === 1 ? '' : 's'} failed`;
  const lines = [
    `${options.file}: ${verdict} against ${where}${report.skipped ? `; ${report.skipped} skipped` : ''}`,
  ];
  if (report.unchecked > 0) {
    const why = options.token
      ? 'the debug token is only sent over https (or to this machine)'
      : "set ROUTER_DEBUG_TOKEN to the Worker's debug token";
    lines.push(
      `warning: route and upstream expectations of ${report.unchecked} case${report.unchecked === 1 ? '' : 's'} not checked: ${why}`,
    );
  }
  return lines.join('\n');
}
