/**
 * Runs the project's CLIs as a user does: `run` calls a command's `main(argv, io)` in this process
 * (fast: no `tsx` start per case), `spawnCli` runs `node --import tsx scripts/NAME.ts` for the one end-to-end
 * case each command keeps. Both use a clean environment: no GitHub Actions annotations, no
 * colour, no Wrangler telemetry.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
 * Runs `node --import tsx scripts/NAME ARGS` in a process group of its own, as a terminal does,
 * without blocking this one (a stand-in it talks to keeps answering); `watch` sees each line of
 * its stderr as it comes, with a function that signals the group (as Ctrl-C does) or the command's
 * process alone (as GitHub Actions does). The group is killed after two minutes, so a run that
 * goes wrong leaves nothing behind.
 * @example await spawnCliWatched('deploy.ts', args, { cwd }, (line, signal) => signal('SIGINT', 'group'))
 */
export async function spawnCliWatched(
  script: string,
  args: string[],
  options: RunOptions,
  watch: (line: string, signal: (name: NodeJS.Signals, to: 'group' | 'process') => void) => void,
): Promise<{ status: number | null; stderr: string }> {
  const { GITHUB_ACTIONS: _, ...base } = process.env;
  // From the repository, whatever folder the command runs in.
  const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'scripts', script), ...args], {
    cwd: options.cwd ?? root,
    env: { ...base, NO_COLOR: '1', WRANGLER_SEND_METRICS: 'false', ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const signal = (name: NodeJS.Signals, to: 'group' | 'process' = 'group') => {
    try {
      process.kill(to === 'group' ? -(child.pid as number) : (child.pid as number), name);
    } catch {
      // The group has exited.
    }
  };
  const limit = setTimeout(() => signal('SIGKILL'), 120_000);
  let stderr = '';
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) watch(line, signal);
  });
  const status = await new Promise<number | null>((done) => {
    child.once('close', done);
    child.once('error', () => done(null));
  });
  clearTimeout(limit);
  return { status, stderr };
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
