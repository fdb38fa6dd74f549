/**
 * The part of the plan routes.yaml cannot show: changes to what the Worker runs. A merge that
 * touches the Worker's source, its wrangler.toml (compatibility date, bindings), the lockfile or
 * the compiler deploys new code even when the route table is the same, so the plan lists those
 * files (`git diff` between the base ref and the working tree, plus new files not yet committed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';

/** What decides the deployed bundle and its settings, as pathspecs relative to the project. */
export const WORKER_INPUTS = [
  'src',
  'wrangler.toml',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/compiler',
  'scripts/build.ts',
  'scripts/cli/deploy-config.ts',
  'scripts/cli/target-worker.ts',
];

/** Build output is not an input: it is what the deploy regenerates. */
const IGNORED = /^src\/generated\//;

export interface CodeChanges {
  /** Changed, added or deleted files, relative to the project, sorted. */
  files: string[];
  /** The compatibility date in wrangler.toml, when it changed. */
  compatibilityDate: { before: string | null; after: string | null } | null;
}

/**
 * Lists the Worker's inputs that differ between `ref` and the working tree of the project in `cwd`.
 * @example workerCodeChanges('origin/main', '/repo').files // ['src/worker.ts', 'wrangler.toml']
 */
export function workerCodeChanges(ref: string, cwd: string): CodeChanges {
  const diff = git(['diff', '--name-only', '--relative', ref, '--', ...WORKER_INPUTS], cwd);
  const untracked = git(['ls-files', '--others', '--exclude-standard', '--', ...WORKER_INPUTS], cwd);
  const files = [...new Set([...lines(diff), ...lines(untracked)])].filter((f) => !IGNORED.test(f)).sort();
  let compatibilityDate: CodeChanges['compatibilityDate'] = null;
  if (files.includes('wrangler.toml')) {
    const before = compatibilityDateOf(atRef(ref, 'wrangler.toml', cwd));
    const after = compatibilityDateOf(
      existsSync(join(cwd, 'wrangler.toml')) ? readFileSync(join(cwd, 'wrangler.toml'), 'utf8') : null,
    );
    if (before !== after) compatibilityDate = { before, after };
  }
  return { files, compatibilityDate };
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

function git(args: string[], cwd: string): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`git could not be run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`git ${args[0]} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** A file's text at a ref (path relative to `cwd`), or null when it did not exist there. */
function atRef(ref: string, path: string, cwd: string): string | null {
  const result = spawnSync('git', ['show', `${ref}:./${path}`], { cwd, encoding: 'utf8' });
  return result.status === 0 ? result.stdout : null;
}

function compatibilityDateOf(toml: string | null): string | null {
  if (toml === null) return null;
  try {
    const date = (parseToml(toml) as { compatibility_date?: unknown }).compatibility_date;
    return typeof date === 'string' ? date : null;
  } catch {
    return null;
  }
}
