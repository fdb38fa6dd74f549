/**
 * `npm run rollback -- [--env NAME] [--to VERSION_ID] [--dry-run] [--message TEXT]`: puts a previous
 * version of an environment's Worker (default: production) back at 100 % of traffic. Without --to it is the version that served
 * before the current one (the most recent deployment whose main version differs). It changes
 * versions only: custom domains and zone routes stay as they are (they follow routes.yaml; revert
 * the commit to change them). --dry-run reads the deployments and prints the choice, changing
 * nothing. Needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID, like the deploy.
 * Exit 0 rolled back (or nothing to do), 1 on an error.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Io, runIfMain } from './cli/io.ts';
import { type Cloudflare, cloudflare } from './deploy/cloudflare.ts';
import { type DeployTarget, resolveTarget } from './deploy/target.ts';
import { runWrangler, tail } from './deploy/wrangler.ts';

const USAGE = 'usage: npm run rollback -- [--env NAME] [--to VERSION_ID] [--dry-run] [--message TEXT]';
const OPTIONS = {
  env: { type: 'string' },
  to: { type: 'string' },
  'dry-run': { type: 'boolean' },
  message: { type: 'string' },
} as const;

export interface Deployment {
  created_on: string;
  versions: Array<{ version_id: string; percentage: number }>;
  annotations?: Record<string, string>;
}

/** @example await main(['--to', '5021413a-...'], io) // 0 once that version serves 100 % */
export async function main(argv: string[], io: Io): Promise<number> {
  let values: { env?: string; to?: string; 'dry-run'?: boolean; message?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  let target: DeployTarget;
  try {
    target = resolveTarget({ cwd: io.cwd, env: io.env, environment: values.env });
  } catch (error) {
    io.err(`rollback: ${(error as Error).message}`);
    return 1;
  }
  const token = io.env.CLOUDFLARE_API_TOKEN;
  if (!token || !target.accountId) {
    io.err('rollback: set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (or account_id in wrangler.toml)');
    return 1;
  }
  const api = cloudflare({ token, baseUrl: io.env.CLOUDFLARE_API_BASE_URL });
  try {
    const choice = await chooseVersion(api, target, values.to);
    io.err(`${target.workerName}: version ${choice.current} serves now; rolling back to ${choice.to}`);
    io.err(`    ${await describe(api, target, choice.current)} -> ${await describe(api, target, choice.to)}`);
    if (choice.current === choice.to) {
      io.err('nothing to do: that version already serves 100 %');
      return 0;
    }
    if (values['dry-run']) {
      io.err(`dry run: would run wrangler versions deploy ${choice.to}@100`);
      return 0;
    }
    // Always marked as a rollback, so a later rollback never brings back what this one removed.
    const message = `rollback from ${choice.current.slice(0, 8)}${values.message ? `: ${values.message}` : ''}`;
    const where = existsSync(target.configPath)
      ? ['--config', target.configPath]
      : ['--name', target.workerName];
    const result = await runWrangler(
      ['versions', 'deploy', `${choice.to}@100`, '--yes', '--message', message, ...where],
      target,
      io,
    );
    if (result.code !== 0) {
      io.err(`rollback: wrangler versions deploy failed:\n${tail(result.output)}`);
      return 1;
    }
    io.err(`rolled back: version ${choice.to} serves 100 % of ${target.workerName}`);
    return 0;
  } catch (error) {
    io.err(`rollback: ${(error as Error).message}`);
    return 1;
  }
}

/** The version serving most traffic now, and the one to go back to. */
async function chooseVersion(api: Cloudflare, target: DeployTarget, to: string | undefined) {
  const { deployments } = await api.get<{ deployments: Deployment[] }>(
    `/accounts/${target.accountId}/workers/scripts/${encodeURIComponent(target.workerName)}/deployments`,
  );
  const choice = rollbackChoice(deployments, to);
  if ('error' in choice) throw new Error(`${target.workerName} has ${choice.error}`);
  return choice;
}

/**
 * What serves now and what comes back, from the deployments newest first. A split (a canary
 * left at `new@10 old@90` by a deploy that was stopped) is undone: the version that served
 * alone before it comes back, and the other is the one rolled back from.
 * @example rollbackChoice([canary('new', 10, 'old'), full('old')]) // { current: 'new', to: 'old' }
 */
export function rollbackChoice(
  deployments: Deployment[],
  to?: string,
): { current: string; to: string } | { error: string } {
  const newest = deployments[0];
  const main = newest ? mainVersion(newest) : undefined;
  if (!newest || !main) return { error: 'no deployment' };
  const serving = newest.versions.filter((v) => v.percentage > 0).map((v) => v.version_id);
  if (serving.length > 1) {
    const alone = deployments.slice(1).find((d) => d.versions.some((v) => v.percentage === 100));
    const back = to ?? (alone ? mainVersion(alone) : main) ?? main;
    return { current: serving.find((id) => id !== back) ?? main, to: back };
  }
  // A version that never served is allowed as --to, but it must exist: the API says so on deploy.
  if (to) return { current: main, to };
  const previous = previousVersion(deployments, main);
  return previous ? { current: main, to: previous } : { error: 'no earlier version to roll back to' };
}

const mainVersion = (d: Deployment) =>
  [...d.versions].sort((a, b) => b.percentage - a.percentage)[0]?.version_id;

/**
 * The version to go back to, from the deployments newest first: the newest that served all
 * traffic on its own, other than `current`, and never one a rollback took away. A canary share
 * (`new@60 old@40`) is not a version that served alone; and the deployment just before a rollback
 * (a deploy's restore, `rollback: ... failed`, or this command's `rollback from ...`) held the
 * version that failed, which would otherwise be the first candidate.
 * @example previousVersion([full('b'), canary('b', 60, 'a'), full('a'), full('z')], 'b') // 'a'
 */
export function previousVersion(deployments: Deployment[], current: string): string | undefined {
  // Walking back in time: a version counts as taken away only by a rollback newer than the
  // deployment it is a candidate in (it may have served well again before that rollback).
  const rolledBack = new Set<string>();
  for (const [i, deployment] of deployments.entries()) {
    const alone = deployment.versions.some((v) => v.percentage === 100);
    const candidate = alone ? mainVersion(deployment) : undefined;
    if (i > 0 && candidate !== undefined && candidate !== current && !rolledBack.has(candidate))
      return candidate;
    if (!deployment.annotations?.['workers/message']?.startsWith('rollback')) continue;
    const kept = new Set(deployment.versions.map((v) => v.version_id));
    for (const v of deployments[i + 1]?.versions ?? [])
      if (!kept.has(v.version_id)) rolledBack.add(v.version_id);
  }
  return undefined;
}

/** A version as people recognise it: its commit tag and message. */
async function describe(api: Cloudflare, target: DeployTarget, id: string): Promise<string> {
  const version = await api.get<{ annotations?: Record<string, string> }>(
    `/accounts/${target.accountId}/workers/scripts/${encodeURIComponent(target.workerName)}/versions/${id}`,
  );
  const tag = version.annotations?.['workers/tag'];
  const message = version.annotations?.['workers/message'];
  return `${id.slice(0, 8)} (${[tag, message].filter(Boolean).join(', ') || 'no tag'})`;
}

runIfMain(import.meta.url, main);
