/**
 * Prints an analysis the way `check` and `build` show it: every diagnostic with a code frame,
 * GitHub annotations under Actions, and a one-line summary.
 */
import type { Io } from '../cli/io.ts';
import type { Analysis } from './analyze.ts';
import { formatDiagnostic, githubAnnotation } from './diagnostics.ts';

/**
 * Writes the diagnostics to `io.err` and returns true when there is no error.
 * @example if (!printAnalysis('routes.yaml', text, analyze(text), io)) return 1;
 */
export function printAnalysis(file: string, text: string, analysis: Analysis, io: Io): boolean {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = analysis.diagnostics.length - errors;
  for (const d of analysis.diagnostics) {
    io.err(`${formatDiagnostic(file, text, d)}\n`);
    if (io.env.GITHUB_ACTIONS === 'true') io.out(githubAnnotation(file, d));
  }
  if (errors > 0) {
    io.err(
      `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
    );
    return false;
  }
  const table = analysis.table;
  const hosts = table ? Object.keys(table.exact).length + Object.keys(table.wildcard).length : 0;
  io.err(
    `${file}: OK, ${table?.routes.length ?? 0} routes on ${hosts} hosts${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
  );
  return true;
}
