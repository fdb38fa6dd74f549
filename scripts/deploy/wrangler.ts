/**
 * Runs the project's own wrangler (node_modules, the pinned version) for one deploy step, in the
 * project folder, without a terminal (CI mode: no prompts, no colour, no banner, no telemetry).
 * What wrangler reports for scripts (the version id of an upload, the traffic of a deployment)
 * is read from its ND-JSON output file (WRANGLER_OUTPUT_FILE_PATH), not scraped from its text.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../cli/io.ts';
import { wranglerArgs } from '../serve/local-router.ts';
import type { DeployTarget } from './target.ts';

export interface WranglerResult {
  code: number;
  /** stdout and stderr, interleaved. */
  output: string;
  /** The entries wrangler wrote to its output file (`{type: 'version-upload', version_id, ...}`). */
  events: Array<Record<string, unknown>>;
}

/** The variables wrangler needs from the deploy's environment; nothing else is passed on. */
const PASSED = [
  'PATH',
  'HOME',
  'TMPDIR',
  'CLOUDFLARE_API_TOKEN',
  'CLOUDFLARE_API_BASE_URL',
  'WRANGLER_LOG_PATH',
  'XDG_CONFIG_HOME',
  'NODE_EXTRA_CA_CERTS',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
];

/**
 * Runs `wrangler ARGS` for the target and waits for it (asynchronously: a local API stand-in in
 * the same process keeps answering).
 * @example const { code, events } = await runWrangler(['versions', 'upload', '--config', target.configPath], target, io);
 */
export async function runWrangler(
  args: string[],
  target: DeployTarget,
  io: Pick<Io, 'env' | 'signal'>,
): Promise<WranglerResult> {
  const env = io.env;
  const dir = mkdtempSync(join(tmpdir(), 'deploy-wrangler-'));
  const outputFile = join(dir, 'output.ndjson');
  const childEnv: Record<string, string> = {};
  for (const name of PASSED) if (env[name]) childEnv[name] = env[name] as string;
  Object.assign(childEnv, {
    CLOUDFLARE_ACCOUNT_ID: target.accountId ?? '',
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    WRANGLER_OUTPUT_FILE_PATH: outputFile,
    // The root-command guard (scripts/wrangler-guard.ts) lets the deploy's own `wrangler deploy` pass.
    EDGE_ROUTER_DEPLOY: '1',
  });
  try {
    // A cancellable command lets the wrangler step under way finish (spawnWrangler's `detached`).
    const { code, output } = await spawnWrangler(args, target.cwd, childEnv, io.signal !== undefined);
    return { code, output, events: readEvents(outputFile) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the project's wrangler with exactly `env`, collecting its output, without blocking the
 * event loop. `detached` (for a cancellable command, scripts/cli/cancel.ts): in a session of its
 * own, so Ctrl-C reaches the command, which lets this step finish (a traffic change cut half-way
 * leaves nothing known to put back) and then stops.
 * @example const { code, output } = await spawnWrangler(['deploy'], root, env);
 */
export async function spawnWrangler(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined>,
  detached = false,
): Promise<{ code: number; output: string }> {
  const child = spawn(process.execPath, [...wranglerArgs(), ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (status) => done(status ?? 1));
  });
  return { code, output };
}

function readEvents(file: string): WranglerResult['events'] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The last lines of a wrangler run, for an error report.
 * @example io.err(tail(result.output))
 */
export function tail(output: string, lines = 25): string {
  return output
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `    ${line}`)
    .join('\n');
}
