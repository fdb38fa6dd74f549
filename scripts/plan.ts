/**
 * `npm run plan -- BASE_REF [--env NAME] [--json] [--routes FILE]`: what merging the working tree
 * will change against BASE_REF, in each environment's Worker (or only --env's): routes added, removed and changed field by field (each with its effective
 * policy), custom domains and zone routes attached or detached, rate-limit bindings, vars and
 * secrets, and changes to the Worker's own code and settings (src/, wrangler.toml, lockfile).
 * Markdown (for a pull-request comment) by default, JSON with --json. Never prints a secret.
 * Exit 0 when nothing changed, 2 when something did, 1 on an error (bad ref, invalid file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { readArguments } from './cli/command-line.ts';
import { readFileAtRef } from './cli/git-file.ts';
import { type Io, runIfMain } from './cli/io.ts';
import { type CodeChanges, workerCodeChanges } from './cli/plan-code.ts';
import { diffPlan, EMPTY_SIDE, type Plan, type PlanSide } from './cli/plan-diff.ts';
import { renderPlanMarkdown } from './cli/plan-markdown.ts';
import { analyze } from './compiler/analyze.ts';
import {
  DEFAULT_ENVIRONMENT,
  declaredEnvironments,
  workerName as nameInEnvironment,
} from './compiler/environments.ts';
import { printAnalysis } from './compiler/report.ts';

const USAGE = 'usage: npm run plan -- BASE_REF [--env NAME] [--json] [--routes FILE]';

/**
 * Checks one side in the environment; prints its diagnostics and returns null when it has
 * errors. `base` is wrangler.toml's Worker name on that side.
 */
function side(
  label: string,
  text: string,
  env: string | undefined,
  base: string,
  io: Io,
): (PlanSide & { warnings: string[] }) | null {
  // A side without environments is the one Worker every environment starts from.
  const analysis = analyze(text, declaredEnvironments(text).length > 0 ? { env } : {});
  if (!analysis.table || !analysis.config) {
    printAnalysis(label, text, analysis, io);
    io.err(`plan: ${label} is not a valid route file`);
    return null;
  }
  const workerName = base ? nameInEnvironment(base, analysis.table.environment, analysis.worker) : '';
  const warnings = analysis.diagnostics.map((d) => `${label}:${d.line}:${d.col} ${d.message}`);
  return { config: analysis.config, table: analysis.table, workerName, warnings };
}

/** @example await main(['origin/main', '--json'], io) // 0 when nothing changes, 2 when something does */
export async function main(argv: string[], io: Io): Promise<number> {
  const parsed = readArguments(argv, OPTIONS, USAGE, io);
  if (!parsed) return 1;
  const { values, positionals } = parsed;
  const ref = positionals[0];
  if (positionals.length !== 1 || !ref) {
    io.err(USAGE);
    return 1;
  }
  const file = values.routes ?? 'routes.yaml';
  let headText: string;
  let baseText: string | null;
  let code: CodeChanges;
  let names: { base: string; head: string };
  try {
    headText = readFileSync(resolve(io.cwd, file), 'utf8');
    baseText = readFileAtRef(ref, resolve(io.cwd, file));
    code = workerCodeChanges(ref, io.cwd);
    names = workerNames(ref, io.cwd);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    io.err(`plan: ${e.code === 'ENOENT' ? `${file} does not exist` : e.message}`);
    return 1;
  }
  // Without --env, a file with environments gets one plan per environment.
  const declared = declaredEnvironments(headText);
  const envs = values.env !== undefined || declared.length === 0 ? [values.env] : declared;
  const plans: Plan[] = [];
  for (const env of envs) {
    const head = side(file, headText, env, names.head, io);
    // A file that did not exist at the base (the first commit), or an environment it did not
    // declare (one this change adds), compares as an empty table.
    const base = newAtBase(baseText, env)
      ? EMPTY_SIDE
      : side(`${ref}:${file}`, baseText as string, env, names.base, io);
    if (!head || !base) return 1;
    plans.push({
      ...diffPlan(ref, base, head, code),
      ...(env ? { environment: env } : {}),
      ...(head.warnings.length > 0 ? { warnings: head.warnings } : {}),
    });
  }
  io.out(values.json ? JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2) : markdown(plans));
  return plans.every((plan) => plan.changeCount === 0) ? 0 : 2;
}

/**
 * True when the base has no such file, or no such environment: it declares others, or none (its
 * one Worker is then production's, and a new staging is not a rename of it).
 */
function newAtBase(baseText: string | null, env: string | undefined): boolean {
  if (baseText === null) return true;
  if (env === undefined) return false;
  const declared = declaredEnvironments(baseText);
  return declared.length > 0 ? !declared.includes(env) : env !== DEFAULT_ENVIRONMENT;
}

/** One plan as it is; several, each under its environment's heading. */
function markdown(plans: Plan[]): string {
  if (plans.length === 1) return renderPlanMarkdown(plans[0] as Plan).trimEnd();
  return plans
    .map((plan) => `## Environment \`${plan.environment}\`\n\n${renderPlanMarkdown(plan).trimEnd()}`)
    .join('\n\n');
}

const OPTIONS = { env: { type: 'string' }, json: { type: 'boolean' }, routes: { type: 'string' } } as const;

/** The Worker's name in wrangler.toml at the ref and in the working tree ('' without one). */
function workerNames(ref: string, cwd: string): { base: string; head: string } {
  const toml = resolve(cwd, 'wrangler.toml');
  const nameOf = (text: string | null) => {
    const name = text === null ? undefined : (parseToml(text) as { name?: unknown }).name;
    return typeof name === 'string' ? name : '';
  };
  const head = existsSync(toml) ? nameOf(readFileSync(toml, 'utf8')) : '';
  return { base: existsSync(toml) ? nameOf(readFileAtRef(ref, toml)) : head, head };
}

runIfMain(import.meta.url, main);
