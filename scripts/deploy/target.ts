/**
 * What one deploy goes to: an environment's Worker (name, account), the route file and its tests,
 * where the build is written and the generated wrangler config. Everything after `resolveTarget`
 * reads the target, never a path or a name of its own, so staging is only another target.
 */
import { join, resolve } from 'node:path';
import { testFileFor } from '../cli/route-test-run.ts';
import { targetWorker } from '../cli/target-worker.ts';

export interface DeployTarget {
  /** The environment, as named in messages and records ('production', 'staging'). */
  label: string;
  /** The environment's Worker (scripts/cli/target-worker.ts). */
  workerName: string;
  /** The Cloudflare account (CLOUDFLARE_ACCOUNT_ID, else wrangler.toml `account_id`). */
  accountId: string | undefined;
  /** The route file and its route tests (the smoke cases), as given (relative to cwd). */
  routesFile: string;
  testsFile: string;
  /** The hand-kept wrangler config the build merges the table into. */
  wranglerToml: string;
  /** Where the build writes the table and `wrangler.json`. */
  outDir: string;
  /** The generated wrangler config every wrangler command of the deploy uses. */
  configPath: string;
  /** The project folder: wrangler runs here. */
  cwd: string;
}

export interface TargetOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** The environment (`--env`); default production. */
  environment?: string;
  routes?: string;
  tests?: string;
  out?: string;
}

/**
 * The target of an environment of the project in `cwd` (default: production).
 * @example resolveTarget({ cwd: process.cwd(), env: process.env, environment: 'staging' }).workerName // 'edge-router-staging'
 */
export function resolveTarget(options: TargetOptions): DeployTarget {
  const { cwd } = options;
  const routesFile = options.routes ?? 'routes.yaml';
  const worker = targetWorker(cwd, { env: options.environment, routes: routesFile });
  const outDir = resolve(cwd, options.out ?? 'src/generated');
  return {
    label: worker.environment,
    workerName: worker.name,
    accountId: options.env.CLOUDFLARE_ACCOUNT_ID || worker.accountId,
    routesFile,
    testsFile: options.tests ?? testFileFor(routesFile),
    wranglerToml: worker.config,
    outDir,
    configPath: join(outDir, 'wrangler.json'),
    cwd,
  };
}
