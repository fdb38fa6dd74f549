/**
 * The cases a smoke test runs: the route tests beside a route file (routes.test.yaml), read and
 * checked against the table as `check` reads them, so a case names only routes that exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CompiledTable } from '../../src/table/types.ts';
import type { Io } from '../cli/io.ts';
import { casesFor, type RouteTestCase, readRouteTests } from '../cli/route-test-file.ts';
import { testFileFor } from '../cli/route-test-run.ts';
import { analyze } from '../compiler/analyze.ts';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { declaredEnvironments } from '../compiler/environments.ts';
import { printAnalysis } from '../compiler/report.ts';

/**
 * Reads the route file and the test cases of one environment (default production: the cases
 * without an `env:`); prints problems to io.err and returns null on errors.
 * @example const loaded = loadSmokeCases('routes.yaml', undefined, io, 'staging'); loaded?.cases.length
 */
export function loadSmokeCases(
  routesFile: string,
  testsFile: string | undefined,
  io: Io,
  env?: string,
): { file: string; cases: RouteTestCase[]; table: CompiledTable } | null {
  const routesPath = resolve(io.cwd, routesFile);
  if (!existsSync(routesPath)) {
    io.err(`${routesFile}: no such file`);
    return null;
  }
  const routesText = readFileSync(routesPath, 'utf8');
  const environments = declaredEnvironments(routesText);
  const analysis = analyze(routesText, environments.length > 0 ? { env } : {});
  if (!printAnalysis(routesFile, routesText, analysis, io) || !analysis.table) return null;
  const file = testsFile ?? testFileFor(routesFile);
  if (!existsSync(resolve(io.cwd, file))) {
    io.err(`${file}: no such file (route tests are what smoke runs)`);
    return null;
  }
  const text = readFileSync(resolve(io.cwd, file), 'utf8');
  const { cases: all, diagnostics } = readRouteTests(text, analysis.table, environments);
  const cases = casesFor(all, env);
  for (const d of diagnostics) io.err(`${formatDiagnostic(file, text, d)}\n`);
  if (diagnostics.some((d) => d.severity === 'error')) {
    io.err(`${file}: has errors; no case run`);
    return null;
  }
  return { file, cases, table: analysis.table };
}
