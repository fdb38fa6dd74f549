/**
 * How a command talks to the world: where it prints, which environment and folder it reads.
 * Every command is `main(argv, io)` returning its exit code, so tests run it in-process with a
 * captured Io (fast, no `tsx` spawn per case) and `npm run NAME` runs it with the process's own.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Io {
  /** Writes one line (or block) of the command's output to stdout. */
  out(text: string): void;
  /** Writes one line (or block) of diagnostics to stderr. */
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** The folder relative paths are read from. */
  cwd: string;
}

/** A command: arguments in, exit code out. */
export type Command = (argv: string[], io: Io) => number | Promise<number>;

/**
 * The Io of this process: stdout, stderr, process.env, process.cwd().
 * @example await main(process.argv.slice(2), processIo())
 */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Runs `command` with the process's arguments and Io when the module is the entry point
 * (`tsx scripts/check.ts`), and does nothing when a test imports it.
 * @example runIfMain(import.meta.url, main);
 */
export function runIfMain(moduleUrl: string, command: Command): void {
  const entry = process.argv[1];
  if (!entry || realpath(entry) !== realpath(fileURLToPath(moduleUrl))) return;
  Promise.resolve(command(process.argv.slice(2), processIo())).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
