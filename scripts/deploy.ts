/**
 * `npm run deploy -- [--env NAME] [--dry-run] [--steps 10,50,100] [--step-wait 5m] [--smoke-base URL]
 * [--attach-timeout 3m] [--message TEXT] [--record FILE] [--routes FILE] [--out DIR]`
 *
 * A versioned rollout of routes.yaml and the Worker to one environment's Worker (default:
 * production; each environment is a Worker of its own):
 * check -> build -> secrets gate -> `wrangler versions upload` (tagged with the commit) -> smoke
 * test on the live hosts, pinned to the new version -> `wrangler versions deploy` (100 %, or in
 * steps) -> attach and detach domains and routes -> smoke test of new hosts -> record. Any failure
 * restores what was live. `--dry-run` runs check and build and prints every later step without
 * calling Cloudflare.
 *
 * Needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (or `account_id` in wrangler.toml);
 * CLOUDFLARE_API_BASE_URL is honoured as wrangler honours it. With ROUTER_DEBUG_TOKEN set (and the
 * same value set as the Worker secret of that name) the smoke tests check routes and upstreams.
 * Exit 0 deployed; 1 stopped, with production as it was; 2 the rollback itself failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { main as build } from './build.ts';
import { main as check } from './check.ts';
import { type Io, runIfMain } from './cli/io.ts';
import { analyze } from './compiler/analyze.ts';
import { parseDuration } from './compiler/values.ts';
import { cloudflare } from './deploy/cloudflare.ts';
import { printDryRun } from './deploy/dry-run.ts';
import { describeCommit } from './deploy/record.ts';
import { rollout } from './deploy/rollout.ts';
import { resolveTarget } from './deploy/target.ts';
import { loadSmokeCases } from './smoke/cases.ts';

const USAGE =
  'usage: npm run deploy -- [--env NAME] [--dry-run] [--steps 10,50,100] [--step-wait 5m] [--smoke-base URL] [--attach-timeout 3m] [--message TEXT] [--record FILE] [--routes FILE] [--out DIR]';

const OPTIONS = {
  env: { type: 'string' },
  'dry-run': { type: 'boolean' },
  steps: { type: 'string' },
  'step-wait': { type: 'string' },
  'smoke-base': { type: 'string' },
  'attach-timeout': { type: 'string' },
  message: { type: 'string' },
  record: { type: 'string' },
  routes: { type: 'string' },
  out: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];

/** @example await main(['--dry-run'], io) // 0 after printing every step */
export async function main(argv: string[], io: Io): Promise<number> {
  let values: Values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  const settings = readSettings(values);
  if (typeof settings === 'string') {
    io.err(`${settings}\n${USAGE}`);
    return 1;
  }
  let target: ReturnType<typeof resolveTarget>;
  try {
    target = resolveTarget({
      cwd: io.cwd,
      env: io.env,
      environment: values.env,
      routes: values.routes,
      out: values.out,
    });
  } catch (error) {
    io.err(`deploy: ${(error as Error).message}`);
    return 1;
  }
  const token = io.env.CLOUDFLARE_API_TOKEN;
  if (!values['dry-run'] && (!token || !target.accountId)) {
    io.err(
      'deploy: set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (or account_id in wrangler.toml), or use --dry-run',
    );
    return 1;
  }

  const envFlag = values.env === undefined ? [] : ['--env', values.env];
  io.err(`==> check: npm run check -- ${[target.routesFile, ...envFlag].join(' ')}`);
  const wranglerFlag = ['--wrangler', target.wranglerToml];
  if ((await check([target.routesFile, ...envFlag, ...wranglerFlag], io)) !== 0) return 1;
  io.err(
    `==> build: npm run build -- ${[target.routesFile, ...envFlag].join(' ')} --out ${relative(io.cwd, target.outDir)}`,
  );
  const buildArgs = [target.routesFile, ...envFlag, '--out', target.outDir, ...wranglerFlag];
  if ((await build(buildArgs, io)) !== 0) return 1;
  const table = analyze(readFileSync(resolve(io.cwd, target.routesFile), 'utf8'), { env: values.env }).table;
  const smoke = existsSync(resolve(io.cwd, target.testsFile))
    ? loadSmokeCases(target.routesFile, target.testsFile, { ...io, err: () => {} }, values.env)
    : { file: target.testsFile, cases: [] };
  if (!smoke || !table) return 1;
  if (smoke.cases.length === 0)
    io.err(`warning: ${target.testsFile} has no cases: the smoke tests test nothing`);

  const debugToken = io.env.ROUTER_DEBUG_TOKEN || undefined;
  const secrets = [...table.secrets, ...(debugToken ? ['ROUTER_DEBUG_TOKEN'] : [])];
  const commit = describeCommit(io.cwd, io.env, values.message);
  const smokeSetup = { ...smoke, workerName: target.workerName, token: debugToken, base: settings.smokeBase };
  const recordFile = resolve(io.cwd, values.record ?? '.wrangler/deploy/record.json');
  if (!debugToken)
    io.err('warning: ROUTER_DEBUG_TOKEN is not set: smoke tests cannot check routes, upstreams or versions');
  if (values['dry-run']) {
    printDryRun({ target, commit, secrets, smoke: smokeSetup, steps: settings.steps, recordFile }, io);
    return 0;
  }
  return rollout({
    target,
    api: cloudflare({ token: token as string, baseUrl: io.env.CLOUDFLARE_API_BASE_URL }),
    io,
    commit,
    secrets,
    smoke: smokeSetup,
    steps: settings.steps,
    stepWaitMs: settings.stepWaitMs,
    attachTimeoutMs: settings.attachTimeoutMs,
    recordFile,
  });
}

/** The flags that need checking; a string is the error to print. */
function readSettings(values: Values) {
  const steps = (values.steps ?? '100').split(',').map((s) => Number(s.trim()));
  if (steps.some((s) => !Number.isInteger(s) || s < 1 || s > 100) || steps.at(-1) !== 100) {
    return `--steps: "${values.steps}" must be whole percentages that rise to 100, e.g. 10,50,100`;
  }
  if (steps.some((s, i) => i > 0 && s <= (steps[i - 1] as number)))
    return `--steps: "${values.steps}" must rise`;
  const stepWait = parseDuration(values['step-wait'] ?? '5m');
  if (!stepWait.ok) return `--step-wait: ${stepWait.error}`;
  const attach = parseDuration(values['attach-timeout'] ?? '3m');
  if (!attach.ok) return `--attach-timeout: ${attach.error}`;
  let smokeBase: URL | undefined;
  if (values['smoke-base'] !== undefined) {
    try {
      smokeBase = new URL(values['smoke-base']);
    } catch {
      return `--smoke-base: "${values['smoke-base']}" is not a URL`;
    }
  }
  return { steps, stepWaitMs: stepWait.value, attachTimeoutMs: attach.value, smokeBase };
}

runIfMain(import.meta.url, main, { cancellable: true });
