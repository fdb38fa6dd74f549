/**
 * Prints an analysis the way `check` and `build` show it: every diagnostic with a code frame,
 * GitHub annotations under Actions, and a one-line summary.
 */
import type { Analysis } from './analyze.ts';
import { formatDiagnostic, githubAnnotation } from './diagnostics.ts';

/**
 * Writes the diagnostics to stderr and returns true when there is no error.
 * @example if (!printAnalysis('routes.yaml', text, analyze(text))) process.exit(1);
 */
export function printAnalysis(file: string, text: string, analysis: Analysis): boolean {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = analysis.diagnostics.length - errors;
  for (const d of analysis.diagnostics) {
    console.error(`${formatDiagnostic(file, text, d)}\n`);
    if (process.env.GITHUB_ACTIONS === 'true') console.log(githubAnnotation(file, d));
  }
  if (errors > 0) {
    console.error(
      `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
    );
    return false;
  }
  const table = analysis.table;
  const hosts = table ? Object.keys(table.exact).length + Object.keys(table.wildcard).length : 0;
  console.error(
    `${file}: OK, ${table?.routes.length ?? 0} routes on ${hosts} hosts${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
  );
  return true;
}
