import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readArguments, readRouteFile } from './cli/command-line.ts';
import { handWorkerName, readWranglerToml } from './cli/deploy-config.ts';
import { type Io, runIfMain } from './cli/io.ts';
import { checkRouteTests, testFileFor } from './cli/route-test-run.ts';
import { analyze } from './compiler/analyze.ts';
import { declaredEnvironments } from './compiler/environments.ts';
import { printAnalysis } from './compiler/report.ts';

const USAGE =
  'usage: npm run check -- [FILE] [--env NAME] [--tests FILE] [--require-coverage] [--wrangler TOML] [--list-environments]';

/** @example await main(['routes.yaml', '--require-coverage'], io) // 0 when clean and covered */
export async function main(argv: string[], io: Io): Promise<number> {
  const parsed = readArguments(argv, OPTIONS, USAGE, io);
  if (!parsed) return 1;
  const { values, positionals } = parsed;
  const file = positionals[0] ?? 'routes.yaml';
  const text = readRouteFile(file, io);
  if (text === null) return 1;
  if (values['list-environments']) {
    const names = declaredEnvironments(text);
    io.out((names.length > 0 ? names : ['production']).join('\n'));
    return 0;
  }
  // One analysis checks every environment; route tests then run in each (or only in --env).
  // Environments' Worker names derive from wrangler.toml's name: the file build would read.
  const wranglerToml = values.wrangler === undefined ? undefined : resolve(io.cwd, values.wrangler);
  // A file named with --wrangler must be readable, as build requires (without the option, a
  // project with no wrangler.toml is checked without Worker names).
  if (wranglerToml !== undefined) {
    try {
      readWranglerToml(wranglerToml);
    } catch (error) {
      io.err(`check: ${(error as Error).message}`);
      return 1;
    }
  }
  const first = analyze(text, { env: values.env, workerBase: handWorkerName(wranglerToml) });
  if (!printAnalysis(file, text, first, io) || !first.table || !first.source) return 1;
  const { source, environments } = first;
  // A missing test file is reported once, not once per environment.
  const testsExist = existsSync(resolve(io.cwd, values.tests ?? testFileFor(file)));
  // The analysis compiled every environment already: their tables serve the route tests.
  const tables = [first.table, ...(testsExist ? (first.otherTables ?? []) : [])];
  // Route tests need the compiled table, so they run only after a clean check.
  for (const table of tables) {
    const passed = await checkRouteTests(
      {
        routesFile: file,
        routes: source,
        table,
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
  wrangler: { type: 'string' },
} as const;

runIfMain(import.meta.url, main);
