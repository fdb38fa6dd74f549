/**
 * Runs the project's CLIs as a user does: `run` calls a command's `main(argv, io)` in this process
 * (fast: no `tsx` start per case), `spawnCli` runs `node --import tsx scripts/NAME.ts` for the one end-to-end
 * case each command keeps. Both use a clean environment: no GitHub Actions annotations, no
 * colour, no Wrangler telemetry.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from '../../scripts/cli/io.ts';
import { type CommandResult, runCommand } from './in-process.ts';

export const root = join(import.meta.dirname, '../..');
export const fixture = (name: string) => join(root, 'test', 'cli', 'fixtures', name);

const commands: Record<string, () => Promise<{ main: Command }>> = {
  'check.ts': () => import('../../scripts/check.ts'),
  'build.ts': () => import('../../scripts/build.ts'),
  'explain.ts': () => import('../../scripts/explain.ts'),
  'plan.ts': () => import('../../scripts/plan.ts'),
  'docs.ts': () => import('../../scripts/docs.ts'),
  'smoke.ts': () => import('../../scripts/smoke.ts'),
  'deploy.ts': () => import('../../scripts/deploy.ts'),
  'rollback.ts': () => import('../../scripts/rollback.ts'),
  'wrangler-guard.ts': () => import('../../scripts/wrangler-guard.ts'),
};

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * Runs scripts/NAME in-process.
 * @example (await run('explain.ts', ['api.example.com/x', '--routes', fixture('routes.yaml')])).status // 0
 */
export async function run(script: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  const load = commands[script];
  if (!load) throw new Error(`no in-process entry for ${script}: add it to test/cli/run-cli.ts`);
  const { main } = await load();
  return runCommand(main, args, {
    cwd: options.cwd ?? root,
    env: { WRANGLER_SEND_METRICS: 'false', ...options.env },
  });
}

/**
 * Runs `node --import tsx scripts/NAME ARGS` in its own process, exactly as `npm run` does.
 * @example spawnCli('check.ts', ['routes.yaml']).status // 0
 */
export function spawnCli(script: string, args: string[], options: RunOptions = {}): SpawnSyncReturns<string> {
  const { GITHUB_ACTIONS: _, ...base } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', script), ...args], {
    cwd: options.cwd ?? root,
    encoding: 'utf8',
    env: { ...base, NO_COLOR: '1', WRANGLER_SEND_METRICS: 'false', ...options.env },
  });
}
