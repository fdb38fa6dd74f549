/**
 * `npm run deploy -- --dry-run`: every step the rollout would take, with the commands and what
 * each one reads or changes, printed without calling Cloudflare (no API call, no wrangler run).
 * What depends on live state (the version to restore, which hosts are attached) is named, not
 * guessed.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { DeployRoute } from '../cli/deploy-config.ts';
import type { Io } from '../cli/io.ts';
import type { Commit } from './record.ts';
import { caseHost, type SmokeSetup, VERSION_OVERRIDE_HEADER } from './smoke-step.ts';
import type { DeployTarget } from './target.ts';

export interface DryRunPlan {
  target: DeployTarget;
  commit: Commit;
  secrets: string[];
  smoke: SmokeSetup;
  steps: number[];
  recordFile: string;
}

/**
 * Prints the steps after check and build.
 * @example printDryRun({ target, commit, secrets, smoke, steps: [100], recordFile }, io)
 */
export function printDryRun(plan: DryRunPlan, io: Io): void {
  const { target, commit, smoke } = plan;
  const config = relative(target.cwd, target.configPath);
  const wanted =
    (JSON.parse(readFileSync(target.configPath, 'utf8')) as { routes?: DeployRoute[] }).routes ?? [];
  const hosts = [...new Set(smoke.cases.map(caseHost))];
  const lines = [
    `dry run: nothing below is sent to Cloudflare (target ${target.label}, Worker ${target.workerName})`,
    `==> live state: read the current deployment, the secret names, custom domains and zone routes of ${target.workerName}`,
    `==> secrets gate: ${plan.secrets.length ? `${plan.secrets.join(', ')} must have a value in the Worker` : 'no secrets declared'}; otherwise stop before uploading`,
    '    domains gate: a custom domain another Worker holds stops the deploy before uploading',
    `==> upload: wrangler versions upload --config ${config} --tag ${commit.tag} --message "${commit.message}"`,
    '    (first deploy, when the Worker does not exist: wrangler deploy, which creates it with its domains and routes)',
    `==> smoke: wrangler versions deploy CURRENT@100 NEW@0, then the cases of ${smoke.file} whose host is already attached (of ${hosts.join(', ') || 'none'}), with ${VERSION_OVERRIDE_HEADER}: ${target.workerName}="NEW"`,
    ...plan.steps.map(
      (p) =>
        `==> roll out: wrangler versions deploy NEW@${p}${p < 100 ? ` CURRENT@${100 - p}, hold, smoke again` : ''}`,
    ),
    `==> domains and routes: make them exactly ${wanted.map((r) => `${r.pattern} (${'custom_domain' in r ? 'custom domain' : `zone route in ${r.zone_name}`})`).join(', ') || 'none'}: wrangler triggers deploy, then detach anything else through the API`,
    '==> smoke: the cases on newly attached hosts',
    `==> record: ${relative(target.cwd, plan.recordFile)} (version id, commit ${commit.sha}, domains and routes)`,
    'on any failure: restore the previous domains and routes, then CURRENT@100',
  ];
  for (const line of lines) io.err(line);
}
