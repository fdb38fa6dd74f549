/**
 * What one deploy goes to: the Worker (name, account), the route file and its tests, where the
 * build is written and the generated wrangler config. Everything after `resolveTarget` reads the
 * target, never a path or a name of its own, so a second environment (staging) is only another
 * target: a different Worker name, wrangler config or route file, resolved here.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readWranglerToml } from '../cli/deploy-config.ts';
import { testFileFor } from '../cli/route-test-run.ts';

export interface DeployTarget {
  /** What the target is called in messages and records ('production'). */
  label: string;
  /** The Worker's name (wrangler.toml `name`). */
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
  routes?: string;
  tests?: string;
  out?: string;
}

/**
 * The production target of the project in `cwd`.
 * @example resolveTarget({ cwd: process.cwd(), env: process.env }).workerName // 'edge-router'
 */
export function resolveTarget(options: TargetOptions): DeployTarget {
  const { cwd } = options;
  const wranglerToml = join(cwd, 'wrangler.toml');
  if (!existsSync(wranglerToml))
    throw new Error(`${wranglerToml} does not exist: the deploy needs the Worker's name`);
  const hand = readWranglerToml(wranglerToml);
  if (typeof hand.name !== 'string' || hand.name === '') throw new Error('wrangler.toml: `name` is missing');
  const routesFile = options.routes ?? 'routes.yaml';
  const outDir = resolve(cwd, options.out ?? 'src/generated');
  return {
    label: 'production',
    workerName: hand.name,
    accountId:
      options.env.CLOUDFLARE_ACCOUNT_ID ||
      (typeof hand.account_id === 'string' ? hand.account_id : undefined),
    routesFile,
    testsFile: options.tests ?? testFileFor(routesFile),
    wranglerToml,
    outDir,
    configPath: join(outDir, 'wrangler.json'),
    cwd,
  };
}
