/**
 * Which Worker a command works on: the one of an environment. Its name comes from wrangler.toml
 * and routes.yaml (`environments.NAME.worker`, else NAME-ENVIRONMENT outside production), never
 * from the last build, which may have been another environment's. `deploy`, `rollback`, `smoke`,
 * `stats` and `logs` all ask here, so `--env` means the same Worker everywhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEFAULT_ENVIRONMENT,
  declaredEnvironments,
  metricsDataset,
  workerName,
} from '../compiler/environments.ts';
import { loadSource } from '../compiler/source.ts';
import { readWranglerToml } from './deploy-config.ts';

export interface TargetWorker {
  /** The Worker's name, as deployed. */
  name: string;
  /** The environment ('production' for a file without environments). */
  environment: string;
  /** The hand-kept wrangler config (absolute path). */
  config: string;
  /** Its Analytics Engine dataset (the table `stats` queries). */
  dataset: string;
  /** The account in wrangler.toml (`account_id`), if any. */
  accountId: string | undefined;
}

/**
 * The Worker of an environment of the project in `cwd` (default: production).
 * @example targetWorker('/repo', { env: 'staging' }).name // 'edge-router-staging'
 */
export function targetWorker(cwd: string, options: { env?: string; routes?: string } = {}): TargetWorker {
  const config = join(cwd, 'wrangler.toml');
  if (!existsSync(config)) throw new Error(`${config} does not exist: it names the Worker`);
  const hand = readWranglerToml(config);
  if (typeof hand.name !== 'string' || hand.name === '') throw new Error('wrangler.toml: `name` is missing');
  const routes = resolve(cwd, options.routes ?? 'routes.yaml');
  const text = existsSync(routes) ? readFileSync(routes, 'utf8') : '';
  const declared = declaredEnvironments(text);
  const environment = options.env ?? DEFAULT_ENVIRONMENT;
  if (options.env !== undefined && !declared.includes(options.env) && options.env !== DEFAULT_ENVIRONMENT) {
    const known = declared.length > 0 ? `declared: ${declared.join(', ')}` : 'it declares none';
    throw new Error(
      `--env ${options.env}: not an environment of ${options.routes ?? 'routes.yaml'} (${known})`,
    );
  }
  const override = declared.length > 0 ? workerOverride(text, environment) : undefined;
  const name = workerName(hand.name, declared.length > 0 ? environment : undefined, override);
  const accountId = typeof hand.account_id === 'string' ? hand.account_id : undefined;
  return { name, environment, config, dataset: metricsDataset(name), accountId };
}

/** `environments.NAME.worker`, when the file sets it. */
function workerOverride(text: string, environment: string): string | undefined {
  const data = loadSource(text).data as { environments?: Record<string, { worker?: unknown }> } | undefined;
  const worker = data?.environments?.[environment]?.worker;
  return typeof worker === 'string' ? worker : undefined;
}
