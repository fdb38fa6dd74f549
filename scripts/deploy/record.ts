/**
 * The record of what is live after a deploy. The version itself carries the commit (its
 * `workers/tag` annotation) and a message (`workers/message`); the deployment carries a message
 * too; and a JSON record is written for CI (uploaded as an artifact, turned into a GitHub
 * deployment with the version id). Under GitHub Actions the version id also becomes a step
 * output (`version_id`).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Triggers } from './live-state.ts';
import type { DeployTarget } from './target.ts';

export interface Commit {
  sha: string;
  /** The version tag: the first 12 characters of the sha (`-dirty` for uncommitted changes). */
  tag: string;
  /** One line, at most 100 characters: the version's and the deployment's message. */
  message: string;
}

export interface DeployRecord {
  worker: string;
  target: string;
  version_id: string;
  previous_version_id: string | null;
  commit: string;
  message: string;
  deployed_at: string;
  custom_domains: string[];
  zone_routes: string[];
}

/**
 * The commit being deployed: GITHUB_SHA in Actions, else `git rev-parse HEAD` in `cwd`.
 * @example describeCommit('/repo', env, undefined).tag // '3f2a9c1b0d4e'
 */
export function describeCommit(
  cwd: string,
  env: Record<string, string | undefined>,
  message: string | undefined,
): Commit {
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : '';
  };
  const sha = env.GITHUB_SHA || git('rev-parse', 'HEAD') || 'unknown';
  const dirty = !env.GITHUB_SHA && git('status', '--porcelain', '--untracked-files=no') !== '';
  const subject = message ?? (git('log', '-1', '--format=%s', sha) || 'deploy');
  return {
    sha,
    tag: `${sha.slice(0, 12)}${dirty ? '-dirty' : ''}`,
    message: oneLine(`${sha.slice(0, 7)}: ${subject}`, 100),
  };
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * Writes the record file (and the `version_id` step output under GitHub Actions).
 * @example writeRecord('.wrangler/deploy/record.json', record, env)
 */
export function writeRecord(
  file: string,
  record: DeployRecord,
  env: Record<string, string | undefined>,
): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `version_id=${record.version_id}\n`);
}

/**
 * The record of a finished deploy.
 * @example makeRecord(target, commit, newId, previousId, triggers)
 */
export function makeRecord(
  target: DeployTarget,
  commit: Commit,
  versionId: string,
  previous: string | null,
  triggers: Triggers,
): DeployRecord {
  return {
    worker: target.workerName,
    target: target.label,
    version_id: versionId,
    previous_version_id: previous,
    commit: commit.sha,
    message: commit.message,
    deployed_at: new Date().toISOString(),
    custom_domains: triggers.customDomains.map((d) => d.hostname),
    zone_routes: triggers.zoneRoutes.map((r) => r.pattern),
  };
}
