/**
 * A file's text at a git ref (`git show REF:path`), for `plan`. A ref that does not exist is an
 * error; a file that did not exist at that ref (a first commit) is `null`.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

function git(args: string[], cwd: string): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new Error(`git could not be run: ${result.error.message}`);
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr.trim() };
}

/**
 * Reads `file` (a path in the working tree) as it was at `ref`.
 * @example readFileAtRef('origin/main', 'routes.yaml') // the text, or null when it did not exist there
 */
export function readFileAtRef(ref: string, file: string): string | null {
  const absolute = resolve(file);
  const cwd = dirname(absolute);
  const top = git(['rev-parse', '--show-toplevel'], cwd);
  if (!top.ok) throw new Error(`${file} is not inside a git repository`);
  if (ref.startsWith('-') || !git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd).ok) {
    throw new Error(`unknown git ref "${ref}" (fetch it first, e.g. git fetch origin)`);
  }
  const root = realpathSync(top.stdout.trim());
  // The file may not exist in the working tree: resolve its folder, not the file.
  const path = relative(root, resolve(realpathSync(cwd), absolute.slice(cwd.length + 1)))
    .split(sep)
    .join('/');
  const spec = `${ref}:${path}`;
  if (!git(['cat-file', '-e', spec], cwd).ok) return null;
  const shown = git(['show', spec], cwd);
  if (!shown.ok) throw new Error(`git show ${spec} failed: ${shown.stderr}`);
  return shown.stdout;
}
