/**
 * Diagnostics: what `check` reports, with a position in the source file, printed as
 * `FILE:LINE:COL  error  message` plus a short code frame, and as GitHub annotations in Actions.
 */
import { maskUserinfo } from './values.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  message: string;
  /** 1-based line and column in the source file. */
  line: number;
  col: number;
}

/**
 * Sorts by position, errors before warnings at the same place; keeps output stable. Exact
 * repeats are dropped (a bad value in defaults is found once per route that inherits it).
 */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const sorted = [...list].sort(
    (a, b) =>
      a.line - b.line ||
      a.col - b.col ||
      a.severity.localeCompare(b.severity) ||
      a.message.localeCompare(b.message),
  );
  return sorted.filter((d, i) => !sameDiagnostic(sorted[i - 1], d));
}

/** The same problem at the same place. */
export function sameDiagnostic(a: Diagnostic | undefined, b: Diagnostic): boolean {
  return a?.line === b.line && a.col === b.col && a.severity === b.severity && a.message === b.message;
}

/**
 * Formats one diagnostic with a code frame of the line before and the offending line.
 * @example formatDiagnostic('routes.yaml', src, d) // "routes.yaml:4:12  error  ...\n   3 | ...\n > 4 | ..."
 */
export function formatDiagnostic(file: string, source: string, d: Diagnostic): string {
  const lines = linesOf(source);
  const width = String(d.line).length;
  const frame: string[] = [];
  for (let n = Math.max(1, d.line - 1); n <= Math.min(lines.length, d.line); n++) {
    const mark = n === d.line ? '>' : ' ';
    frame.push(
      // The frame goes to CI logs: a user and password written into a URL are masked.
      `  ${mark} ${String(n).padStart(width)} | ${maskUserinfo(lines[n - 1] ?? '').replace(/\t/g, '→')}`,
    );
  }
  frame.push(`    ${' '.repeat(width)} | ${' '.repeat(Math.max(0, d.col - 1))}^`);
  return `${file}:${d.line}:${d.col}  ${d.severity}  ${d.message}\n${frame.join('\n')}`;
}

/**
 * The source's lines, split once for all of its diagnostics: split again for each, a file of
 * 10,000 routes with a warning each took 46 s to report.
 */
const linesOf = (() => {
  let last: { source: string; lines: string[] } | null = null;
  return (source: string): string[] => {
    if (last?.source !== source) last = { source, lines: source.split(/\r?\n/) };
    return last.lines;
  };
})();

/** A GitHub Actions workflow command that annotates the file in the pull request. */
export function githubAnnotation(file: string, d: Diagnostic): string {
  const encode = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return `::${d.severity} file=${file},line=${d.line},col=${d.col}::${encode(d.message)}`;
}
