/**
 * Makes the conventional wrangler commands at the repository root safe. Wrangler runs a config's
 * custom build command before it bundles (`dev`, `deploy`, `versions upload`) and tells it which
 * command runs (WRANGLER_COMMAND). Both configs carry this guard:
 *
 * - `hand-kept` (wrangler.toml, used when no build exists yet): it has none of routes.yaml's
 *   routes, vars or rate-limit bindings, so every bundling command stops with what to run instead.
 * - `generated` (src/generated/wrangler.json, and wrangler.root.json which `npm run build` points
 *   the root at through .wrangler/deploy/config.json): `npx wrangler dev` and `versions upload` go
 *   ahead when the build matches routes.yaml as it is now, and stop when it is stale.
 *   `npx wrangler deploy` stops: it would put the build live all at once, with no secrets gate,
 *   smoke test or rollback. The deploy's own wrangler runs (EDGE_ROUTER_DEPLOY=1) pass.
 *
 * Exit 0 to let wrangler go on, 1 to stop it (wrangler then prints the message and fails).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderGeneratedBuild } from './cli/deploy-config.ts';
import { type Io, runIfMain } from './cli/io.ts';
import { analyze } from './compiler/analyze.ts';
import { renderTableModule, srcImportFrom } from './compiler/emit.ts';

/** The commands that bundle the Worker (wrangler's custom build runs for these). */
const BUNDLING = new Set(['dev', 'deploy', 'versions upload']);

/** @example await main(['generated'], io) // 0 when the build is fresh and the command is allowed */
export async function main(argv: string[], io: Io): Promise<number> {
  const command = io.env.WRANGLER_COMMAND ?? '';
  if (!BUNDLING.has(command)) return 0;
  if (argv[0] === 'hand-kept') {
    io.err(
      [
        `wrangler ${command} with wrangler.toml would run the Worker without routes.yaml's routes, vars and rate-limit bindings.`,
        'Run `npm run build` first: then `npx wrangler dev` uses src/generated/wrangler.json.',
        'Or use `npm run dev` (serves routes.yaml, rebuilds on save) and `npm run deploy` (the versioned rollout).',
      ].join('\n'),
    );
    return 1;
  }
  if (command === 'deploy' && io.env.EDGE_ROUTER_DEPLOY !== '1') {
    io.err(
      [
        '`npx wrangler deploy` would put this build live all at once: no secrets gate, no smoke test, no rollback.',
        'Run `npm run deploy` (see every step first with `npm run deploy -- --dry-run`).',
      ].join('\n'),
    );
    return 1;
  }
  const stale = staleness(io.cwd);
  if (stale) {
    io.err(`${stale}\nRun \`npm run build\`, then the wrangler command again.`);
    return 1;
  }
  return 0;
}

/**
 * Why src/generated does not match the route file it was built from, or null when it does.
 * @example staleness('/repo') // 'src/generated is older than routes.yaml: ...' or null
 */
export function staleness(root: string): string | null {
  const dir = join(root, 'src', 'generated');
  const tableFile = join(dir, 'table.ts');
  if (!existsSync(tableFile)) return 'src/generated has no build.';
  const tableText = readFileSync(tableFile, 'utf8');
  // The table names the file it was built from in its first line.
  const source = /from (\S+?)\. Do not edit/.exec(tableText)?.[1] ?? 'routes.yaml';
  const routes = join(root, source);
  if (!existsSync(routes)) return `src/generated was built from ${source}, which does not exist.`;
  const analysis = analyze(readFileSync(routes, 'utf8'));
  if (!analysis.table) return `${source} has errors (npm run check shows them).`;
  const expected = renderGeneratedBuild(dir, analysis.table, { root });
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const configs = [expected, expected.root].every((c) => c === null || read(c.file) === c.text);
  if (tableText !== renderTableModule(analysis.table, source, srcImportFrom(dir)) || !configs) {
    return `src/generated is stale: ${source} or wrangler.toml changed since the last build.`;
  }
  return null;
}

runIfMain(import.meta.url, main);
