/**
 * `npm run build -- [FILE] [--out DIR] [--wrangler TOML]`: checks a route file and, when it is
 * clean, writes the compiled table and the deploy config (wrangler.json: wrangler.toml merged
 * with the table's custom domains, zone routes, vars and rate-limit bindings) to src/generated/
 * (or DIR). Deterministic: the same input, the same bytes.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDeployConfig } from './cli/deploy-config.ts';
import { analyze } from './compiler/analyze.ts';
import { writeTableModule } from './compiler/emit.ts';
import { printAnalysis } from './compiler/report.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, wrangler: { type: 'string' } },
});
const file = positionals[0] ?? 'routes.yaml';
const text = readFileSync(file, 'utf8');
const analysis = analyze(text);
if (!printAnalysis(file, text, analysis) || !analysis.table) {
  process.exitCode = 1;
} else {
  const out = values.out ?? 'src/generated';
  try {
    // The deploy config first: when the table cannot be deployed, nothing is written.
    const deploy = writeDeployConfig(out, analysis.table, { wranglerToml: values.wrangler });
    for (const warning of deploy.warnings) console.error(`warning: ${warning}`);
    console.error(`wrote ${writeTableModule(out, analysis.table, basename(file))}`);
    console.error(`wrote ${deploy.file}`);
  } catch (error) {
    console.error(`${file}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
