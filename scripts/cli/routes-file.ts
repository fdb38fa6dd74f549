/**
 * Reading a route file for the CLI commands that need a clean table (explain, route tests):
 * the same analysis `check` runs, with its diagnostics printed the same way on failure.
 */
import type { CompiledTable } from '../../src/table/types.ts';
import { type Analysis, analyze } from '../compiler/analyze.ts';
import { printAnalysis } from '../compiler/report.ts';
import { readRouteFile } from './command-line.ts';
import type { Io } from './io.ts';

/**
 * Reads and compiles a route file. Returns null (after printing why) when it cannot be read or
 * has errors; prints nothing when it is clean.
 * @example const loaded = loadRoutesFile('routes.yaml', io); if (!loaded) return 1;
 */
export function loadRoutesFile(
  file: string,
  io: Io,
  env?: string,
): { text: string; analysis: Analysis; table: CompiledTable } | null {
  const text = readRouteFile(file, io);
  if (text === null) return null;
  const analysis = analyze(text, { env });
  if (!analysis.table || analysis.diagnostics.some((d) => d.severity === 'error')) {
    printAnalysis(file, text, analysis, io);
    return null;
  }
  return { text, analysis, table: analysis.table };
}
