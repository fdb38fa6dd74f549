/**
 * Runs route test cases against a compiled table through the Worker's own decision stages
 * (simulate.ts), reports each failure as expected vs actual, and finds the routes that no case
 * reached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CompiledRoute, CompiledTable } from '../../src/table/types.ts';
import { type Diagnostic, formatDiagnostic, githubAnnotation } from '../compiler/diagnostics.ts';
import { DEFAULT_ENVIRONMENT } from '../compiler/environments.ts';
import type { Source } from '../compiler/source.ts';
import type { Io } from './io.ts';
import { showAnswerHeader } from './redact.ts';
import { casesFor, type RouteTestCase, readRouteTests } from './route-test-file.ts';
import { createSimulator, type Outcome } from './simulate.ts';

export interface Mismatch {
  field: string;
  expected: string;
  actual: string;
}

export interface CaseResult {
  testCase: RouteTestCase;
  outcome: Outcome;
  mismatches: Mismatch[];
}

export interface RouteTestRun {
  results: CaseResult[];
  /** Routes (with their index in the table) that no case's request reached. */
  uncovered: Array<{ index: number; route: CompiledRoute }>;
}

/**
 * How an expected or actual value is printed in a failure report.
 * @example show(204) // '204'
 * @example show('proxied') // '"proxied"'
 */
export const show = (value: string | number | null | undefined): string =>
  value === null || value === undefined
    ? '(none)'
    : typeof value === 'number'
      ? String(value)
      : JSON.stringify(value);

/**
 * Runs every case and compares what it expects with what the router does.
 * @example (await runRouteTests(table, cases)).results.filter((r) => r.mismatches.length > 0)
 */
export async function runRouteTests(table: CompiledTable, cases: RouteTestCase[]): Promise<RouteTestRun> {
  const simulate = createSimulator(table);
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const outcome = await simulate(testCase.request);
    const mismatches = mismatchesOf(testCase.expect, outcome);
    results.push({ testCase, outcome, mismatches });
  }
  const reached = new Set(results.map((r) => r.outcome.route?.id));
  const uncovered = table.routes.flatMap((route, index) => (reached.has(route.id) ? [] : [{ index, route }]));
  return { results, uncovered };
}

/**
 * What a case expects and the router did otherwise. Values are compared as they are and printed
 * as the plan prints them (failures go to CI logs and pull-request annotations): a literal the
 * route's response rules set, and a Location's query values, are hidden.
 */
function mismatchesOf(e: RouteTestCase['expect'], outcome: Outcome): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const compare = (field: string, expected: string | number | null, actual: string | number | null) => {
    if (expected !== actual) mismatches.push({ field, expected: show(expected), actual: show(actual) });
  };
  const hidden = (name: string, value: string | null) =>
    value === null ? null : showAnswerHeader(outcome.route, name, value);
  if (e.route !== undefined) compare('route', e.route, outcome.route?.id ?? null);
  if (e.status !== undefined) compare('status', e.status, outcome.status);
  if (e.upstream !== undefined) compare('upstream', e.upstream, outcome.upstream);
  if (e.location !== undefined && e.location !== outcome.location) {
    const [expected, actual] = [hidden('location', e.location), hidden('location', outcome.location)];
    mismatches.push({ field: 'location', expected: show(expected), actual: show(actual) });
  }
  if (e.error !== undefined) compare('error', e.error, outcome.error);
  for (const [name, value] of Object.entries(e.headers ?? {})) {
    const actual = outcome.headers.get(name);
    if (value === actual) continue;
    const shown = (v: string | null) => (v === null ? '(absent)' : JSON.stringify(hidden(name, v)));
    mismatches.push({ field: name, expected: shown(value), actual: shown(actual) });
  }
  return mismatches;
}

/**
 * Formats one failed case: where it is, the request, then each field as expected vs actual.
 * @example formatFailure('routes.test.yaml', result)
 */
export function formatFailure(file: string, result: CaseResult): string {
  const { outcome } = result;
  const note =
    outcome.message && outcome.error ? `the router answered ${outcome.error}: ${outcome.message}` : null;
  return formatCaseFailure(file, result.testCase, result.mismatches, note);
}

/**
 * Formats one failed case from any runner (the simulator, or real HTTP for `smoke`): where it is
 * in the test file, the request, each field as expected vs actual, and an optional note.
 * @example formatCaseFailure('routes.test.yaml', testCase, [{ field: 'status', expected: '200', actual: '204' }], null)
 */
export function formatCaseFailure(
  file: string,
  testCase: RouteTestCase,
  mismatches: Mismatch[],
  note: string | null,
): string {
  const width = Math.max(8, ...mismatches.map((m) => m.field.length));
  const valueWidth = Math.max(10, ...mismatches.map((m) => m.expected.length));
  const lines = [
    `${file}:${testCase.line}:${testCase.col}  FAIL  ${testCase.name}`,
    `    ${testCase.request.method} ${testCase.request.url}`,
    ...mismatches.map(
      (m) => `    ${m.field.padEnd(width)}  expected ${m.expected.padEnd(valueWidth)}  actual ${m.actual}`,
    ),
  ];
  if (note) lines.push(`    (${note})`);
  return lines.join('\n');
}

/** routes.yaml -> routes.test.yaml, beside it. */
export function testFileFor(routesFile: string): string {
  const name = basename(routesFile);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '.yaml';
  return join(dirname(routesFile), `${stem}.test${ext}`);
}

export interface CheckRouteTestsOptions {
  routesFile: string;
  /** routes.yaml as the check read it, with positions: an uncovered route's warning points at its id. */
  routes: Source;
  table: CompiledTable;
  /** The test file; default: the one beside routesFile. */
  testsFile?: string;
  /** Uncovered routes are errors instead of warnings. */
  requireCoverage?: boolean;
  /** The environments routes.yaml declares (empty when none): cases run in the table's own. */
  environments?: string[];
}

/**
 * What `check` runs after a clean check: reads the test file, runs it, prints failures and
 * coverage to stderr (and GitHub annotations under Actions). Returns true when nothing failed.
 * @example if (!(await checkRouteTests({ routesFile, routes: analysis.source, table }, io))) return 1;
 */
export async function checkRouteTests(options: CheckRouteTestsOptions, io: Io): Promise<boolean> {
  const file = options.testsFile ?? testFileFor(options.routesFile);
  const annotate = io.env.GITHUB_ACTIONS === 'true';
  if (!existsSync(resolve(io.cwd, file))) {
    if (options.testsFile) {
      io.err(`${file}: no such file`);
      return false;
    }
    io.err(`${file}: not found, no route tests run`);
    return !options.requireCoverage;
  }
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    // A directory, or a file this user cannot read: say which.
    io.err(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return false;
  }
  const environments = options.environments ?? [];
  const { cases: all, diagnostics } = readRouteTests(text, options.table, environments);
  const env = options.table.environment ?? null;
  const cases = casesFor(all, env);
  const label = env === null ? file : `${file} [${env}]`;
  if (diagnostics.length > 0) {
    for (const d of diagnostics) {
      io.err(`${formatDiagnostic(file, text, d)}\n`);
      if (annotate) io.out(githubAnnotation(file, d));
    }
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    if (errors > 0) {
      io.err(`${file}: ${errors} error${errors === 1 ? '' : 's'}; route tests not run`);
      return false;
    }
  }

  if (cases.length === 0 && env !== null && env !== DEFAULT_ENVIRONMENT) {
    io.err(`${label}: no cases for this environment (mark cases with env: ${env})`);
    return !options.requireCoverage;
  }
  const run = await runRouteTests(options.table, cases);
  const failed = run.results.filter((r) => r.mismatches.length > 0);
  for (const result of failed) {
    io.err(`${formatFailure(file, result)}\n`);
    if (annotate) {
      const message = `route test "${result.testCase.name}" failed: ${result.mismatches
        .map((m) => `${m.field} expected ${m.expected}, actual ${m.actual}`)
        .join('; ')}`;
      io.out(
        githubAnnotation(file, {
          severity: 'error',
          message,
          line: result.testCase.line,
          col: result.testCase.col,
        }),
      );
    }
  }

  const routes = options.routes;
  const severity = options.requireCoverage ? 'error' : 'warning';
  for (const { index, route } of run.uncovered) {
    const d: Diagnostic = routes.at(['routes', index, 'id'], `no route test reaches route "${route.id}"`, {
      severity,
    });
    io.err(`${options.routesFile}:${d.line}:${d.col}  ${d.severity}  ${d.message}`);
    if (annotate) io.out(githubAnnotation(options.routesFile, d));
  }

  const total = run.results.length;
  const covered = options.table.routes.length - run.uncovered.length;
  const verdict =
    failed.length === 0
      ? `all ${total} case${total === 1 ? '' : 's'} pass`
      : `${failed.length} of ${total} case${total === 1 ? '' : 's'} failed`;
  io.err(`${label}: ${verdict}; cases reach ${covered} of ${options.table.routes.length} routes`);
  return failed.length === 0 && !(options.requireCoverage && run.uncovered.length > 0);
}
