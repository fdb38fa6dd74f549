/**
 * Runs the project's CLIs as a user does (`tsx scripts/NAME.ts ...`), from any folder, with a
 * clean environment: no GitHub Actions annotations, no colour, no Wrangler telemetry.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '../..');
export const tsx = join(root, 'node_modules', '.bin', 'tsx');
export const fixture = (name: string) => join(root, 'test', 'cli', 'fixtures', name);

/**
 * @example run('explain.ts', ['api.example.com/x', '--routes', fixture('routes.yaml')]).status // 0
 */
export function run(
  script: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): SpawnSyncReturns<string> {
  const { GITHUB_ACTIONS: _, ...base } = process.env;
  return spawnSync(tsx, [join(root, 'scripts', script), ...args], {
    cwd: options.cwd ?? root,
    encoding: 'utf8',
    env: { ...base, NO_COLOR: '1', WRANGLER_SEND_METRICS: 'false', ...options.env },
  });
}
