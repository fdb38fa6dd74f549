/**
 * The versioned rollout, after check and build:
 *
 *   live state -> secrets gate -> upload the version (tagged with the commit)
 *   -> stage it at 0 % and smoke-test it on the live hosts (pinned by the version-override header)
 *   -> roll it out (100 %, or in steps) -> attach and detach domains and routes
 *   -> smoke-test the newly attached hosts -> record what is live
 *
 * New hosts are attached only once the new version serves 100 %, so a new host never reaches the
 * old version (which has no route for it); removed hosts are detached in the same step. Any
 * failure stops the rollout and restores what was live: the previous triggers first (so no new
 * host is left pointing at the old version), then the previous version at 100 %. So does a
 * cancel (SIGINT, SIGTERM, SIGHUP: `io.signal`) that comes before the deploy's last change to
 * production (the domains and routes, or else the last traffic step): the wrangler step under
 * way finishes, a hold or a smoke test under way is cut short, and what changed is put back.
 */
import { readFileSync } from 'node:fs';
import { hold } from '../cli/cancel.ts';
import type { DeployRoute } from '../cli/deploy-config.ts';
import type { Io } from '../cli/io.ts';
import type { Cloudflare } from './cloudflare.ts';
import { foreignDomains, type LiveState, readLiveState, servesHost, type Triggers } from './live-state.ts';
import { type Commit, makeRecord, writeRecord } from './record.ts';
import { secretsGate } from './secrets-gate.ts';
import { caseHost, type SmokeSetup, smokeHosts, untilPasses } from './smoke-step.ts';
import type { DeployTarget } from './target.ts';
import { applyTriggers, asTriggers, asWanted, triggerChanges } from './triggers.ts';
import { runWrangler, tail } from './wrangler.ts';

export interface RolloutOptions {
  target: DeployTarget;
  api: Cloudflare;
  io: Io;
  commit: Commit;
  /** Secret names the new version needs (routes.yaml, plus ROUTER_DEBUG_TOKEN when smoke uses it). */
  secrets: string[];
  smoke: SmokeSetup;
  /** Traffic steps in percent, the last one 100 (default [100]). */
  steps: number[];
  stepWaitMs: number;
  /** How long newly attached hosts may take to answer (certificates). */
  attachTimeoutMs: number;
  recordFile: string;
}

/** What the rollout has changed so far: what a rollback must undo. */
interface Progress {
  before: LiveState;
  /** The custom domains and zone routes of the new build. */
  wanted: DeployRoute[];
  version: string | null;
  trafficChanged: boolean;
  triggersChanged: boolean;
}

/** Exit codes: 0 live, 1 stopped with production as it was, 2 the rollback itself failed. */
export const ROLLED_BACK = 1;
export const ROLLBACK_FAILED = 2;

class StepFailed extends Error {}

/** `cancelled (SIGINT)` once the rollout is cancelled, else null. */
function cancelled(io: Io): string | null {
  return io.signal?.aborted ? `cancelled (${String(io.signal.reason)})` : null;
}

/** Stops the rollout at a safe point once it is cancelled; the catch in rollout() puts things back. */
function stopIfCancelled(io: Io): void {
  const why = cancelled(io);
  if (why) throw new StepFailed(why);
}

/**
 * Rolls the built version out to the target; returns the exit code.
 * @example process.exitCode = await rollout({ target, api, io, commit, secrets, smoke, steps: [100], ... })
 */
export async function rollout(options: RolloutOptions): Promise<number> {
  const { io, target } = options;
  if (cancelled(io)) {
    io.err(`deploy stopped: ${cancelled(io)} before anything changed`);
    return ROLLED_BACK;
  }
  step(io, 'live state', `reading what is live for Worker ${target.workerName}`);
  const before = await readLiveState(options.api, target);
  describeLive(before, io);
  step(io, 'secrets gate', options.secrets.length ? options.secrets.join(', ') : 'no secrets declared');
  const gate = secretsGate(options.secrets, before.secrets, target.workerName);
  if (gate.message) {
    io.err(gate.message);
    return ROLLED_BACK;
  }
  const wanted =
    (JSON.parse(readFileSync(target.configPath, 'utf8')) as { routes?: DeployRoute[] }).routes ?? [];
  if (!(await domainsGate(options, wanted, before))) return ROLLED_BACK;
  const progress: Progress = { before, wanted, version: null, trafficChanged: false, triggersChanged: false };
  try {
    stopIfCancelled(io);
    progress.version = await upload(options, before, progress);
    stopIfCancelled(io);
    if (before.current) await stageAndSmoke(options, progress);
    await moveTraffic(options, progress);
    const live = await switchTriggers(options, progress);
    if (io.signal?.aborted)
      io.err(`the cancel (${String(io.signal.reason)}) came after the last change: the deploy completed`);
    writeRecord(
      options.recordFile,
      makeRecord(target, options.commit, progress.version, before.current, live),
      io.env,
    );
    step(
      io,
      'record',
      `live: ${target.workerName} version ${progress.version} (${options.commit.tag}); ${options.recordFile}`,
    );
    return 0;
  } catch (error) {
    io.err(`deploy stopped: ${(error as Error).message}`);
    return restore(options, progress);
  }
}

/**
 * Refuses, before anything changes, a custom domain another Worker holds: taken over, a failed
 * deploy's restore would detach it and delete its DNS record (live-state.ts, foreignDomains).
 */
async function domainsGate(
  options: RolloutOptions,
  wanted: DeployRoute[],
  before: LiveState,
): Promise<boolean> {
  let foreign: Awaited<ReturnType<typeof foreignDomains>>;
  try {
    foreign = await foreignDomains(options.api, options.target, wanted, before.triggers);
  } catch (error) {
    const why = (error as Error).message;
    options.io.err(`domains gate: the custom domains could not be listed (${why}); nothing was uploaded`);
    return false;
  }
  for (const { hostname, service } of foreign) {
    options.io.err(
      `domains gate: ${hostname} is a custom domain of the Worker ${service}; nothing was uploaded. Detach it there first (the dashboard, or wrangler on that Worker's project), then deploy again`,
    );
  }
  return foreign.length === 0;
}

function step(io: Io, name: string, text: string): void {
  io.err(`==> ${name}: ${text}`);
}

function describeLive(live: LiveState, io: Io): void {
  if (!live.exists) {
    io.err('    the Worker does not exist yet: this is its first deploy');
    return;
  }
  const split = live.deployment.map((v) => `${v.version_id} at ${v.percentage} %`).join(', ');
  io.err(`    current deployment: ${split || 'none'}`);
  if (live.deployment.length > 1)
    io.err(`    warning: traffic is split; a failure restores ${live.current} at 100 %`);
  const hosts = [
    ...live.triggers.customDomains.map((d) => d.hostname),
    ...live.triggers.zoneRoutes.map((r) => r.pattern),
  ];
  io.err(`    serving: ${hosts.join(', ') || 'no domain or route'}`);
}

/**
 * Uploads the version. A Worker that does not exist yet is created by `wrangler deploy`, which
 * also attaches its domains and routes: with no previous version, no host can reach an old one.
 */
async function upload(options: RolloutOptions, before: LiveState, progress: Progress): Promise<string> {
  const { target, io, commit } = options;
  const tagged = ['--config', target.configPath, '--tag', commit.tag, '--message', commit.message];
  if (before.exists) {
    step(io, 'upload', `wrangler versions upload --tag ${commit.tag} (not serving traffic yet)`);
    const result = await wrangler(options, ['versions', 'upload', ...tagged]);
    return eventVersion(result.events, 'version-upload');
  }
  step(io, 'upload', `wrangler deploy --tag ${commit.tag}: the first version creates the Worker`);
  progress.trafficChanged = true;
  progress.triggersChanged = true;
  const result = await wrangler(options, ['deploy', ...tagged]);
  return eventVersion(result.events, 'deploy');
}

/** Puts the new version in the deployment at 0 %, so the override header can reach it, and smoke-tests it. */
async function stageAndSmoke(options: RolloutOptions, progress: Progress): Promise<void> {
  const { before } = progress;
  const version = progress.version as string;
  if (!options.smoke.cases.some((c) => servesHost(before.triggers, caseHost(c)))) {
    step(
      options.io,
      'smoke',
      'no case of the route tests reaches a host attached now: tested after the rollout',
    );
    return;
  }
  step(
    options.io,
    'smoke',
    `version ${version} at 0 %, pinned by the version-override header, on the live hosts`,
  );
  progress.trafficChanged = true;
  await versionsDeploy(
    options,
    [
      [before.current as string, 100],
      [version, 0],
    ],
    `stage ${options.commit.message}`,
  );
  stopIfCancelled(options.io);
  const passed = await smokeHosts(
    options.smoke,
    {
      reaches: (host) => servesHost(before.triggers, host),
      version,
      why: laterOrNever(progress),
      signal: options.io.signal,
    },
    options.io,
  );
  stopIfCancelled(options.io);
  if (!passed) throw new StepFailed('the smoke test failed on the new version; it never served traffic');
}

/** Traffic to the new version, step by step; each step before 100 % waits, then smoke-tests again. */
async function moveTraffic(options: RolloutOptions, progress: Progress): Promise<void> {
  const { io, steps } = options;
  const version = progress.version as string;
  const previous = progress.before.current;
  if (!previous) return;
  for (const percent of steps) {
    stopIfCancelled(io);
    step(io, 'roll out', `version ${version} at ${percent} %`);
    progress.trafficChanged = true;
    const split: Array<[string, number]> =
      percent === 100
        ? [[version, 100]]
        : [
            [version, percent],
            [previous, 100 - percent],
          ];
    await versionsDeploy(options, split, `${percent} % ${options.commit.message}`);
    if (percent === 100) break;
    stopIfCancelled(io);
    io.err(`    holding ${Math.round(options.stepWaitMs / 1000)} s before the next step`);
    await hold(options.stepWaitMs, io.signal);
    stopIfCancelled(io);
    const passed = await smokeHosts(
      options.smoke,
      {
        reaches: (host) => servesHost(progress.before.triggers, host),
        version,
        why: laterOrNever(progress),
        signal: io.signal,
      },
      io,
    );
    stopIfCancelled(io);
    if (!passed) throw new StepFailed(`the smoke test failed at ${percent} %`);
  }
}

/** Attaches and detaches domains and routes (after 100 %), then smoke-tests the new hosts. */
async function switchTriggers(options: RolloutOptions, progress: Progress): Promise<Triggers> {
  const { io, target, api } = options;
  const { wanted } = progress;
  const changes = triggerChanges(wanted, progress.before.triggers);
  const what = [
    ...changes.attach.map((r) => `attach ${r.pattern}`),
    ...changes.detach.map((d) => `detach ${'hostname' in d ? d.hostname : d.pattern}`),
  ];
  step(io, 'domains and routes', what.join(', ') || 'no change');
  if (what.length === 0) return progress.before.triggers;
  stopIfCancelled(io);
  progress.triggersChanged = true;
  const live = await applyTriggers(wanted, { api, target, io });
  const added = (host: string) => servesHost(live, host) && !servesHost(progress.before.triggers, host);
  if (changes.attach.length > 0) {
    step(io, 'smoke', 'the newly attached hosts');
    const passed = await untilPasses(
      (quiet) =>
        smokeHosts(
          options.smoke,
          {
            reaches: added,
            why: (host) =>
              servesHost(live, host)
                ? 'tested before the rollout'
                : 'no domain or route of this Worker serves it',
          },
          quiet,
        ),
      options.attachTimeoutMs,
      io,
    );
    // After the last change a cancel cuts the retries short, not the attempt under way: hosts
    // that pass make the deploy complete.
    if (!passed)
      throw new StepFailed(
        cancelled(io)
          ? `${cancelled(io)} before the newly attached hosts passed their smoke test`
          : 'the smoke test failed on the newly attached hosts',
      );
  }
  return live;
}

/** Why a case is not sent before the rollout: its host is attached later, or never by this Worker. */
function laterOrNever(progress: Progress): (host: string) => string {
  const after = asTriggers(progress.wanted);
  return (host) =>
    servesHost(after, host)
      ? 'attached after the rollout, tested then'
      : 'no domain or route of this Worker serves it';
}

/**
 * Puts back what was live: the triggers first (so a host this deploy added is detached before the
 * old version serves again), then the previous version at 100 %. Each step is tried even when
 * the one before failed (the old version answering a new host with 404 beats leaving the version
 * that failed live), and what is still to put back by hand is printed, step by step.
 */
async function restore(options: RolloutOptions, progress: Progress): Promise<number> {
  const { io, api, target } = options;
  const { before } = progress;
  if (!progress.trafficChanged && !progress.triggersChanged) {
    const uploaded = progress.version ? `; version ${progress.version} was uploaded and serves nothing` : '';
    io.err(`stopped before anything served traffic: production is as it was before the deploy${uploaded}`);
    return ROLLED_BACK;
  }
  const left: string[] = [];
  if (progress.triggersChanged) {
    step(io, 'rollback', 'restoring the previous domains and routes');
    await applyTriggers(asWanted(before.triggers), { api, target, io }).catch((error: Error) => {
      io.err(`ROLLBACK: the domains and routes were not restored: ${error.message}`);
      left.push(
        `attach exactly these to ${target.workerName} (dashboard, or wrangler triggers deploy): ${describeTriggers(before.triggers)}`,
      );
    });
  }
  if (progress.trafficChanged && before.current) {
    step(io, 'rollback', `version ${before.current} at 100 %`);
    const message = `rollback: ${options.commit.message} failed`;
    await versionsDeploy(options, [[before.current, 100]], message).catch((error: Error) => {
      io.err(`ROLLBACK: version ${before.current} was not restored: ${error.message}`);
      left.push(
        `npm run rollback -- --to ${before.current}${target.label === 'production' ? '' : ` --env ${target.label}`}`,
      );
    });
  }
  if (left.length > 0) {
    io.err(
      `ROLLBACK FAILED: put back by hand, in this order:\n${left.map((l, i) => `  ${i + 1}. ${l}`).join('\n')}`,
    );
    return ROLLBACK_FAILED;
  }
  io.err(
    before.current
      ? `rolled back: version ${before.current} serves 100 % of ${target.workerName}, as before the deploy`
      : `stopped: ${target.workerName} had no version before; nothing is attached to it`,
  );
  return ROLLED_BACK;
}

/** The domains and routes a Worker had, for a person to put back. */
function describeTriggers(triggers: Triggers): string {
  const domains = triggers.customDomains.map((d) => `custom domain ${d.hostname}`);
  const routes = triggers.zoneRoutes.map((r) => `route ${r.pattern} (zone ${r.zone_name})`);
  return [...domains, ...routes].join(', ') || 'none';
}

async function versionsDeploy(
  options: RolloutOptions,
  split: Array<[string, number]>,
  message: string,
): Promise<void> {
  const specs = split.map(([id, percent]) => `${id}@${percent}`);
  await wrangler(options, [
    'versions',
    'deploy',
    ...specs,
    '--yes',
    '--message',
    message,
    '--config',
    options.target.configPath,
  ]);
}

async function wrangler(options: RolloutOptions, args: string[]) {
  const result = await runWrangler(args, options.target, options.io);
  if (result.code !== 0)
    throw new StepFailed(`wrangler ${args.slice(0, 2).join(' ')} failed:\n${tail(result.output)}`);
  return result;
}

function eventVersion(events: Array<Record<string, unknown>>, type: string): string {
  const id = events.find((e) => e.type === type)?.version_id;
  if (typeof id !== 'string' || id === '') throw new StepFailed(`wrangler reported no version id (${type})`);
  return id;
}
