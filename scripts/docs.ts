/**
 * `npm run docs [-- --check]`: regenerates the routes.yaml reference in docs/reference.md
 * (between `<!-- reference:start -->` and `<!-- reference:end -->`) from
 * schema/routes.schema.json. Nothing outside the markers changes. `--check` writes nothing.
 * Exit 0 when the reference is (now) up to date, 1 when `--check` finds it stale or on an error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Io, runIfMain } from './cli/io.ts';
import { type Schema, updateReference } from './docs/reference.ts';

const USAGE = 'usage: npm run docs -- [--check]';
const REFERENCE = 'docs/reference.md';
const SCHEMA = 'schema/routes.schema.json';

/** @example await main(['--check'], io) // 0 when docs/reference.md matches the schema */
export async function main(argv: string[], io: Io): Promise<number> {
  let check: boolean;
  try {
    check = parseArgs({ args: argv, options: { check: { type: 'boolean' } } }).values.check ?? false;
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  let doc: string;
  let updated: string;
  try {
    doc = readFileSync(resolve(io.cwd, REFERENCE), 'utf8');
    const schema = JSON.parse(readFileSync(resolve(io.cwd, SCHEMA), 'utf8')) as Schema;
    updated = updateReference(doc, schema);
  } catch (error) {
    io.err(`npm run docs: ${(error as Error).message}`);
    return 1;
  }
  if (check) {
    io.err(
      `${REFERENCE}: the routes.yaml reference is ${updated === doc ? 'up to date' : 'stale. Run `npm run docs`'}.`,
    );
    return updated === doc ? 0 : 1;
  }
  if (updated !== doc) writeFileSync(resolve(io.cwd, REFERENCE), updated);
  io.err(
    `${REFERENCE}: the routes.yaml reference is ${updated === doc ? 'already up to date' : 'regenerated'}.`,
  );
  return 0;
}

runIfMain(import.meta.url, main);
