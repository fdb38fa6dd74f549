/**
 * A vitest reporter that keeps workerd's log of deliberately broken origins out of a passing
 * run. The pool hands workerd's structured log to a function that writes it straight to this
 * process's stderr, past vitest's console capture, so neither `silent` nor `onConsoleLog` sees
 * it. Only messages listed in EXPECTED are held back, and they are printed after the summary
 * when the run fails; anything else workerd says still shows at once. (A --reporter given on
 * the command line replaces the configured reporters, this one included.)
 *
 * (Most of workerd's noise, a native stack for every refused or cut connection, is its
 * `--verbose` log, which vitest.config.ts turns off; genuine unhandled rejections still fail the
 * run through vitest's own tracking.)
 */
import type { Reporter, TestRunEndReason } from 'vitest/node';

/** workerd messages the suites cause on purpose, each with the test that causes it. */
const EXPECTED: RegExp[] = [
  // /bad-status-line (errors.test.ts, misbehaving-origin.test.ts): the origin answers
  // "HTTP/1.1 ABC Nonsense", the router answers 502, and workerd logs the protocol error.
  /^e = kj\/compat\/http\.c\+\+:\d+: failed: protocolError\.description = Invalid response status line/,
];

type Write = typeof process.stderr.write;

/**
 * @example export default defineConfig({ test: { reporters: ['minimal', new WorkerdNoise()] } });
 */
export class WorkerdNoise implements Reporter {
  private held: string[] = [];
  private restore: (() => void) | undefined;

  onInit(): void {
    const stderr = process.stderr;
    const write: Write = stderr.write.bind(stderr);
    stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : String(chunk);
      if (EXPECTED.some((pattern) => pattern.test(text))) {
        this.held.push(text);
        return true;
      }
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as Write;
    this.restore = () => {
      stderr.write = write;
    };
  }

  onTestRunEnd(_modules: unknown, _errors: unknown, reason: TestRunEndReason): void {
    this.restore?.();
    this.restore = undefined;
    if (reason === 'passed' || this.held.length === 0) return;
    process.stderr.write(`\nworkerd logged ${this.held.length} expected message(s) during the run:\n`);
    for (const text of this.held) process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
