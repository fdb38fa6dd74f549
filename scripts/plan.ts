/**
 * `npm run plan -- BASE_REF [--json] [--routes FILE]`: what merging the working tree's route file
 * will change against BASE_REF: routes added, removed and changed field by field, custom
 * domains and zone routes attached or detached, rate-limit bindings, vars and secrets.
 * Markdown (for a pull-request comment) by default, JSON with --json. Never prints a secret.
 * Exit 0 when nothing changed, 2 when something did, 1 on an error (bad ref, invalid file).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readFileAtRef } from './cli/git-file.ts';
import { diffPlan, EMPTY_SIDE, type PlanSide } from './cli/plan-diff.ts';
import { renderPlanMarkdown } from './cli/plan-markdown.ts';
import { analyze } from './compiler/analyze.ts';
import { printAnalysis } from './compiler/report.ts';

const USAGE = 'usage: npm run plan -- BASE_REF [--json] [--routes FILE]';

/** Checks one side; prints its diagnostics and returns null when it has errors. */
function side(label: string, text: string): PlanSide | null {
  const analysis = analyze(text);
  if (!analysis.table || !analysis.config) {
    printAnalysis(label, text, analysis);
    console.error(`plan: ${label} is not a valid route file`);
    return null;
  }
  return { config: analysis.config, table: analysis.table };
}

function main(): number {
  let parsed: ReturnType<typeof parseArgs<{ allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ allowPositionals: true, options: OPTIONS });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const ref = positionals[0];
  if (positionals.length !== 1 || !ref) {
    console.error(USAGE);
    return 1;
  }
  const file = values.routes ?? 'routes.yaml';
  let headText: string;
  let baseText: string | null;
  try {
    headText = readFileSync(file, 'utf8');
    baseText = readFileAtRef(ref, file);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    console.error(`plan: ${e.code === 'ENOENT' ? `${file} does not exist` : e.message}`);
    return 1;
  }
  const head = side(file, headText);
  // A file that did not exist at the base (the first commit) compares as an empty table.
  const base = baseText === null ? EMPTY_SIDE : side(`${ref}:${file}`, baseText);
  if (!head || !base) return 1;
  const plan = diffPlan(ref, base, head);
  process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlanMarkdown(plan));
  return plan.changeCount === 0 ? 0 : 2;
}

const OPTIONS = { json: { type: 'boolean' }, routes: { type: 'string' } } as const;

process.exitCode = main();
