/**
 * `npm run build -- [FILE] [--out DIR]`: checks a route file and, when it is clean, writes the
 * compiled table to src/generated/ (or DIR). Deterministic: the same input, the same bytes.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { analyze } from './compiler/analyze.ts';
import { writeTableModule } from './compiler/emit.ts';
import { printAnalysis } from './compiler/report.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
const file = positionals[0] ?? 'routes.yaml';
const text = readFileSync(file, 'utf8');
const analysis = analyze(text);
if (!printAnalysis(file, text, analysis) || !analysis.table) {
  process.exitCode = 1;
} else {
  const written = writeTableModule(values.out ?? 'src/generated', analysis.table, basename(file));
  console.error(`wrote ${written}`);
}
