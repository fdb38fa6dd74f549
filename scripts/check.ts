/**
 * `npm run check -- [FILE] [--tests FILE] [--require-coverage]`: validates a route file (YAML,
 * schema, semantics) and reports every problem at once as FILE:LINE:COL; when it is clean, runs
 * the route tests beside it (routes.test.yaml) and reports routes no case reaches
 * (`--require-coverage` makes those errors). Exit 0 when clean and passing, 1 otherwise.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkRouteTests } from './cli/route-test-run.ts';
import { analyze } from './compiler/analyze.ts';
import { printAnalysis } from './compiler/report.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { tests: { type: 'string' }, 'require-coverage': { type: 'boolean' } },
});
const file = positionals[0] ?? 'routes.yaml';
const text = readFileSync(file, 'utf8');
const analysis = analyze(text);
const clean = printAnalysis(file, text, analysis);
process.exitCode = clean ? 0 : 1;
// Route tests need the compiled table, so they run only after a clean check.
if (clean && analysis.table) {
  const passed = await checkRouteTests({
    routesFile: file,
    routesText: text,
    table: analysis.table,
    testsFile: values.tests,
    requireCoverage: values['require-coverage'],
  });
  if (!passed) process.exitCode = 1;
}
