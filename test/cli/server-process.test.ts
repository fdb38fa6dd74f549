/**
 * The helper every local server goes through (wrangler dev for npm start and npm run dev, the
 * load test's origins and router, the browser test's router): ready when the server says so or
 * answers, SIGTERM then SIGKILL on stop, and nothing it started left behind. The servers here
 * are small Node programs that start a child of their own, as wrangler starts workerd.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type ServerOptions, startServer } from '../../scripts/serve/server-process.ts';

/**
 * A server that starts a long-lived child (unless `alone`), then prints `say`; both carry a
 * unique marker. (An orphaned child is reaped by init, which can take a moment in a container:
 * stop() waits for that too.)
 */
function server(say: string, options: Partial<ServerOptions> & { before?: string; alone?: boolean } = {}) {
  const marker = `server-process-test-${crypto.randomUUID()}`;
  const child = `require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000) // ${marker}'], { stdio: 'ignore' });`;
  const source = `
    ${options.before ?? ''}
    ${options.alone ? '' : child}
    setInterval(() => {}, 1000);
    console.log(${JSON.stringify(say)}); // ${marker}`;
  const started = startServer({
    name: 'test server',
    command: process.execPath,
    args: ['-e', source],
    cwd: process.cwd(),
    env: process.env,
    ready: /^ready$/,
    readyTimeoutMs: 20_000,
    ...options,
  });
  return { started, running: () => running(marker) };
}

/** How many live processes carry the marker in their command line. */
function running(marker: string): number {
  return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker)).length;
}

describe('startServer', () => {
  it('waits for the ready line, passes later lines on, and stops the server and its child', async () => {
    const lines: string[] = [];
    const { started, running } = server('ready', {
      before: "setTimeout(() => console.log('later'), 50);",
      onLine: (line) => lines.push(line),
    });
    const running_ = await started;
    expect(running()).toBe(2);
    await expect.poll(() => lines, { timeout: 10_000 }).toContain('later');
    expect(lines[0]).toBe('ready');
    await running_.stop();
    expect(await running_.exited).toBe('SIGTERM');
    expect(running()).toBe(0);
  });

  it('kills a server that ignores SIGTERM once the grace period is over', async () => {
    const { started, running } = server('ready', {
      before: "process.on('SIGTERM', () => {});",
      graceMs: 300,
    });
    const running_ = await started;
    await running_.stop();
    expect(await running_.exited).toBe('SIGKILL');
    expect(running()).toBe(0);
  });

  it('is ready when the probe says so, for a server that prints nothing it waits for', async () => {
    let asked = 0;
    const { started, running } = server('starting', { alone: true, ready: async () => ++asked === 3 });
    const running_ = await started;
    expect(asked).toBe(3);
    expect(running()).toBe(1);
    await running_.kill();
    expect(running()).toBe(0);
  });

  it('fails with what the server printed when it exits before it is ready', async () => {
    const { started } = server('never', { before: "console.error('no config found'); process.exit(2);" });
    await expect(started).rejects.toThrow(
      /test server exited \(2\) before it was ready\n--- test server output ---\nno config found/,
    );
  });

  it('stops waiting at a failure line, and leaves nothing running', async () => {
    const { started, running } = server('✘ Build failed', { failure: /Build failed/ });
    await expect(started).rejects.toThrow(
      /test server failed to start\n--- test server output ---\n✘ Build failed/,
    );
    expect(running()).toBe(0);
  });
});
