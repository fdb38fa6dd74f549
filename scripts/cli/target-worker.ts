/**
 * Which deployed Worker the operating commands (`stats`, `logs`) look at. Its name is read from
 * the built deploy config (src/generated/wrangler.json) when there is one, else from
 * wrangler.toml. Kept in one place so that a later `--env` can point both commands at another
 * Worker (each environment is its own Worker, with its own metrics dataset).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricsDataset, readWranglerToml } from './deploy-config.ts';

export interface TargetWorker {
  /** The Worker's name, as deployed. */
  name: string;
  /** The wrangler config it was read from (absolute path). */
  config: string;
  /** Its Analytics Engine dataset (the table `stats` queries). */
  dataset: string;
}

/**
 * The Worker the project deploys, seen from the project folder `cwd`.
 * @example targetWorker('/repo') // { name: 'edge-router', dataset: 'edge_router', config: '/repo/src/generated/wrangler.json' }
 */
export function targetWorker(cwd: string): TargetWorker {
  const generated = join(cwd, 'src', 'generated', 'wrangler.json');
  const toml = join(cwd, 'wrangler.toml');
  let config: string;
  let name: unknown;
  if (existsSync(generated)) {
    config = generated;
    name = (JSON.parse(readFileSync(generated, 'utf8')) as { name?: unknown }).name;
  } else if (existsSync(toml)) {
    config = toml;
    name = readWranglerToml(toml).name;
  } else {
    throw new Error(`no Worker to look at: neither src/generated/wrangler.json nor wrangler.toml in ${cwd}`);
  }
  if (typeof name !== 'string' || name === '') throw new Error(`${config} has no Worker name`);
  return { name, config, dataset: metricsDataset(name) };
}
