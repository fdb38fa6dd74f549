/**
 * Cancelling a command that must not stop half-way (a deploy between two traffic steps). The
 * first SIGINT, SIGTERM or SIGHUP aborts a signal the command reads at its safe points; it then
 * puts back what it changed and exits. Later signals are reported and ignored: GitHub Actions
 * cancels a step with SIGINT, then SIGTERM 7.5 s later, then kills the step's process 2.5 s after
 * that, and the SIGTERM must not cut the putting back short.
 */

/**
 * The signals a person (Ctrl-C), CI (a cancelled job, or one past its timeout) or a closed
 * terminal sends.
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface Cancellation {
  /** Aborted on the first signal; its reason is the signal's name. */
  signal: AbortSignal;
  /** Removes the handlers: signals behave as before. */
  dispose(): void;
}

/**
 * Turns SIGINT, SIGTERM and SIGHUP into an aborted signal for the time a command runs.
 * @example const { signal, dispose } = cancelOnSignals((line) => process.stderr.write(`${line}\n`));
 */
export function cancelOnSignals(write: (line: string) => void): Cancellation {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      write(`${name}: stopping at the next safe point, then putting back what changed`);
      controller.abort(name);
      return;
    }
    write(`${name}: ignored while putting back what changed (SIGKILL would leave it half done)`);
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, onSignal);
    },
  };
}

/**
 * Waits `ms`, or less when `signal` aborts meanwhile (a hold between traffic steps).
 * @example await hold(300_000, io.signal); // then check io.signal.aborted
 */
export function hold(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
