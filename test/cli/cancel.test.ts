/**
 * The wait a cancel cuts short (scripts/cli/cancel.ts): a deploy's hold between traffic steps
 * (five minutes by default) must end when the deploy is cancelled, or the restore would wait it
 * out. The signals themselves are tested end to end in test/cli/deploy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hold } from '../../scripts/cli/cancel.ts';

describe('hold', () => {
  it('ends when its signal aborts, long before its time', async () => {
    const cancel = new AbortController();
    const started = Date.now();
    setTimeout(() => cancel.abort('SIGINT'), 20);
    await hold(600_000, cancel.signal);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('does not start when the signal has already aborted', async () => {
    const cancel = new AbortController();
    cancel.abort('SIGTERM');
    const started = Date.now();
    await hold(600_000, cancel.signal);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('waits its time without a signal', async () => {
    const started = Date.now();
    await hold(30, undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
