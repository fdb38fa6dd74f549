/**
 * `npm test`'s pretest step (not a command of its own): gets this machine ready for the test
 * command before any suite runs, and prints nothing when it already is.
 *
 * 1. Chromium for the browser tests: installed with apt-get when it is missing and this user
 *    may install packages without a password; otherwise the test command stops here with the
 *    one command to run (scripts/cli/chromium.ts).
 * 2. `npm run build` of routes.yaml into src/generated/, which `tsc` type-checks with src/index.ts
 *    (the tests themselves use fixtures, never the live table). Its output shows only when the
 *    build fails.
 *
 * Exit 0 when ready, 1 when not (the reason on stderr).
 */
import { main as build } from './build.ts';
import { ensureChromium, machine } from './cli/chromium.ts';
import { type Io, runIfMain } from './cli/io.ts';

/** @example await main([], io) // 0 once chromium is there and src/generated/ is built */
export async function main(_argv: string[], io: Io): Promise<number> {
  if (ensureChromium(io, machine()) !== 0) return 1;
  const printed: string[] = [];
  const status = await build([], {
    ...io,
    out: (text) => printed.push(text),
    err: (text) => printed.push(text),
  });
  if (status !== 0) io.err(printed.join('\n'));
  return status;
}

runIfMain(import.meta.url, main);
