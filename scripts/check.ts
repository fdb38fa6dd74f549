/**
 * `npm run check -- [FILE]`: validates a route file (YAML, schema, semantics) and reports every
 * problem at once as FILE:LINE:COL. Exit 0 when clean, 1 on any error.
 */
import { readFileSync } from 'node:fs';
import { analyze } from './compiler/analyze.ts';
import { printAnalysis } from './compiler/report.ts';

const file = process.argv[2] ?? 'routes.yaml';
const text = readFileSync(file, 'utf8');
process.exitCode = printAnalysis(file, text, analyze(text)) ? 0 : 1;
