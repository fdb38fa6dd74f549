/**
 * Wrangler's deploy-config redirect: a `.wrangler/deploy/config.json` beside the root
 * wrangler.toml saying `{"configPath": "../../src/generated/wrangler.root.json"}` makes wrangler
 * 4.86 read the generated config instead of wrangler.toml for the commands that honour it (`dev`,
 * `deploy`, `versions upload`, `versions deploy`) when no --config is given
 * (workers-utils config-helpers.ts, findRedirectedWranglerConfig). An explicit --config, and the
 * vitest pool (which names wrangler.toml), are not redirected.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Where wrangler looks for the redirect, relative to the folder of wrangler.toml. */
export const REDIRECT_FILE = join('.wrangler', 'deploy', 'config.json');

/**
 * Points the root's wrangler commands at `configFile`.
 * @example writeRootRedirect('/repo', '/repo/src/generated/wrangler.json')
 */
export function writeRootRedirect(root: string, configFile: string): string {
  const file = join(root, REDIRECT_FILE);
  mkdirSync(dirname(file), { recursive: true });
  const configPath = relative(dirname(file), configFile).split(sep).join('/');
  writeFileSync(file, `${JSON.stringify({ configPath }, null, 2)}\n`);
  return file;
}
