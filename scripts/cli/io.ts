/**
 * How a command talks to the world: where it prints, which environment and folder it reads.
 * Every command is `main(argv, io)` returning its exit code, so tests run it in-process with a
 * captured Io (fast, no `tsx` spawn per case) and `npm run NAME` runs it with the process's own.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cancelOnSignals } from './cancel.ts';

export interface Io {
  /** Writes one line (or block) of the command's output to stdout. */
  out(text: string): void;
  /** Writes one line (or block) of diagnostics to stderr. */
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** The folder relative paths are read from. */
  cwd: string;
  /**
   * Aborted when the command is cancelled (SIGINT, SIGTERM, SIGHUP), for a command that stops at
   * safe points and puts back what it changed (scripts/cli/cancel.ts). Absent: nothing cancels it.
   */
  signal?: AbortSignal;
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
 * (`tsx scripts/check.ts`), and does nothing when a test imports it. A `cancellable` command gets
 * SIGINT, SIGTERM and SIGHUP as `io.signal` instead of being killed by them.
 * @example runIfMain(import.meta.url, main);
 */
export function runIfMain(
  moduleUrl: string,
  command: Command,
  options: { cancellable?: boolean } = {},
): void {
  const entry = process.argv[1];
  if (!entry || realpath(entry) !== realpath(fileURLToPath(moduleUrl))) return;
  const io = processIo();
  const cancellation = options.cancellable ? cancelOnSignals(io.err) : null;
  Promise.resolve(command(process.argv.slice(2), { ...io, signal: cancellation?.signal })).then(
    (code) => {
      cancellation?.dispose();
      process.exitCode = code;
    },
    (error: unknown) => {
      cancellation?.dispose();
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
