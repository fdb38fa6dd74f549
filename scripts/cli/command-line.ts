/**
 * What every command does first: read its arguments (a bad one prints the message and the usage
 * line), and read the route file it works on (a missing one says so, with the file's name).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { normalizeText } from '../compiler/source.ts';
import type { Io } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` against `options` (positionals allowed); null after printing the problem and
 * `usage` to io.err.
 * @example const parsed = readArguments(argv, OPTIONS, USAGE, io); if (!parsed) return 1;
 */
export function readArguments<T extends Options>(argv: string[], options: T, usage: string, io: Io) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options, strict: true });
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return null;
  }
}

/**
 * The text of `file` (relative to io.cwd); null after saying why it cannot be read.
 * @example const text = readRouteFile('routes.yaml', io); if (text === null) return 1;
 */
export function readRouteFile(file: string, io: Io): string | null {
  try {
    return normalizeText(readFileSync(resolve(io.cwd, file), 'utf8'));
  } catch (error) {
    io.err(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return null;
  }
}
