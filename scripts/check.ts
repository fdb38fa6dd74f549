/**
 * `npm run check -- [FILE] [--env NAME] [--tests FILE] [--require-coverage]`: validates a route
 * file (YAML, schema, semantics) and reports every problem at once as FILE:LINE:COL; when it is
 * clean, runs the route tests beside it (routes.test.yaml) and reports routes no case reaches
 * (`--require-coverage` makes those errors). A file with environments is checked in each of
 * them (or only in --env). `--list-environments` prints the environments (production first, just
 * production for a file without any), one per line, for the deploy workflow.
 * Exit 0 when clean and passing, 1 otherwise.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Io, runIfMain } from './cli/io.ts';
import { checkRouteTests } from './cli/route-test-run.ts';
import { type Analysis, analyze } from './compiler/analyze.ts';
import { declaredEnvironments } from './compiler/environments.ts';
import { printAnalysis } from './compiler/report.ts';

const USAGE =
  'usage: npm run check -- [FILE] [--env NAME] [--tests FILE] [--require-coverage] [--list-environments]';

/** @example await main(['routes.yaml', '--require-coverage'], io) // 0 when clean and covered */
export async function main(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>
  >;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const file = positionals[0] ?? 'routes.yaml';
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    io.err(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return 1;
  }
  if (values['list-environments']) {
    const names = declaredEnvironments(text);
    io.out((names.length > 0 ? names : ['production']).join('\n'));
    return 0;
  }
  // One analysis checks every environment; route tests then run in each (or only in --env).
  const first = analyze(text, { env: values.env });
  if (!printAnalysis(file, text, first, io) || !first.table) return 1;
  const environments = declaredEnvironments(text);
  const others = values.env === undefined ? environments.slice(1) : [];
  const analyses = [first, ...others.map((env) => analyze(text, { env }))];
  // Route tests need the compiled table, so they run only after a clean check.
  for (const analysis of analyses) {
    const passed = await checkRouteTests(
      {
        routesFile: file,
        routesText: text,
        table: analysis.table as NonNullable<Analysis['table']>,
        testsFile: values.tests,
        requireCoverage: values['require-coverage'],
        environments,
      },
      io,
    );
    if (!passed) return 1;
  }
  return 0;
}

const OPTIONS = {
  env: { type: 'string' },
  tests: { type: 'string' },
  'require-coverage': { type: 'boolean' },
  'list-environments': { type: 'boolean' },
} as const;

runIfMain(import.meta.url, main);
