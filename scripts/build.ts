/**
 * `npm run build -- [FILE] [--env NAME] [--out DIR] [--wrangler TOML]`: checks a route file and,
 * when it is clean, writes the compiled table and the deploy config (wrangler.json: wrangler.toml
 * merged with the table's Worker name, custom domains, zone routes, vars and rate-limit bindings)
 * to src/generated/ (or DIR), for one environment when the file declares them (default:
 * production). Deterministic: the same input, the same bytes.
 */
import { basename, resolve } from 'node:path';
import { readArguments, readRouteFile } from './cli/command-line.ts';
import { handWorkerName, writeDeployConfig } from './cli/deploy-config.ts';
import { type Io, runIfMain } from './cli/io.ts';
import { analyze } from './compiler/analyze.ts';
import { writeTableModule } from './compiler/emit.ts';
import { printAnalysis } from './compiler/report.ts';

const USAGE = 'usage: npm run build -- [FILE] [--env NAME] [--out DIR] [--wrangler TOML]';

/** @example await main(['routes.yaml', '--out', 'dist/build'], io) // 0 after writing table.ts and wrangler.json */
export async function main(argv: string[], io: Io): Promise<number> {
  const parsed = readArguments(argv, OPTIONS, USAGE, io);
  if (!parsed) return 1;
  const { values, positionals } = parsed;
  const file = positionals[0] ?? 'routes.yaml';
  const text = readRouteFile(file, io);
  if (text === null) return 1;
  const wranglerToml = values.wrangler === undefined ? undefined : resolve(io.cwd, values.wrangler);
  const analysis = analyze(text, { env: values.env, workerBase: handWorkerName(wranglerToml) });
  if (!printAnalysis(file, text, analysis, io) || !analysis.table) return 1;
  const out = resolve(io.cwd, values.out ?? 'src/generated');
  try {
    // The deploy config first: when the table cannot be deployed, nothing is written.
    const deploy = writeDeployConfig(out, analysis.table, {
      wranglerToml,
      worker: analysis.worker,
    });
    for (const warning of deploy.warnings) io.err(`warning: ${warning}`);
    io.err(`wrote ${shown(io, writeTableModule(out, analysis.table, basename(file)))}`);
    io.err(`wrote ${shown(io, deploy.file)}`);
    return 0;
  } catch (error) {
    io.err(`${file}: ${(error as Error).message}`);
    return 1;
  }
}

const OPTIONS = { env: { type: 'string' }, out: { type: 'string' }, wrangler: { type: 'string' } } as const;

/** A written file as the user named its folder: relative to where the command ran. */
function shown(io: Io, file: string): string {
  const path = resolve(file);
  return path.startsWith(`${io.cwd}/`) ? path.slice(io.cwd.length + 1) : path;
}

runIfMain(import.meta.url, main);
