/**
 * A local server in a child process: `wrangler dev` for `npm start` and `npm run dev`, the
 * load test's origins and router, the browser test's router. Each runs as the leader of its own
 * process group, so stopping it also stops what it started (wrangler's workerd); startup waits
 * until the server is ready (a line it prints, or a probe that answers); stopping sends SIGTERM
 * to the group, SIGKILL after a grace period, and returns only when the group is empty. If this
 * process exits first, the group is killed with it: nothing is left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ServerOptions {
  /** Named in messages: 'wrangler', 'origin A'. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Ready when a printed line matches, or when the probe resolves true (polled). */
  ready: RegExp | (() => Promise<boolean>);
  /** A printed line that means startup failed (a bundling error): stop waiting at once. */
  failure?: RegExp;
  /** Every non-empty line the server prints; startup lines arrive once it is ready. */
  onLine?: (line: string) => void;
  /** Default 90 s: a cold wrangler start on a busy machine. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 5 s). */
  graceMs?: number;
}

export interface ServerProcess {
  /** The leader's pid, which is also the process group id. */
  pid: number;
  /** Resolves with the exit code (or signal name) when the leader exits. */
  exited: Promise<number | string>;
  /** SIGTERM to the group, SIGKILL after the grace period; resolves when the group is empty. */
  stop(): Promise<void>;
  /** SIGKILL to the group now (a crash); resolves when the group is empty. */
  kill(): Promise<void>;
}

/**
 * Starts a server and resolves once it is ready; on failure it stops the group and rejects with
 * what the server printed.
 * @example const origin = await startServer({ name: 'origin', command: process.execPath, args: ['--import', 'tsx', file], cwd, env, ready: /^ready/ });
 */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env,
  });
  // A command that cannot be started has no pid (reported below) and emits 'error' later.
  child.once('error', () => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
  const killOnExit = () => signalGroup(pid, 'SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      done(code ?? signal ?? 'unknown');
    }),
  );
  const server: ServerProcess = {
    pid,
    exited,
    stop: () => stopGroup(pid, exited, options.graceMs ?? 5_000),
    kill: () => stopGroup(pid, exited, 0),
  };
  const startup = watchStartup(child, options);
  try {
    await waitUntilReady(options, startup, exited);
  } catch (error) {
    await server.kill();
    throw new Error(
      `${(error as Error).message}\n--- ${options.name} output ---\n${startup.lines.join('\n')}`,
    );
  }
  startup.markReady();
  return server;
}

interface Startup {
  lines: string[];
  matched: boolean;
  failed: boolean;
  markReady(): void;
}

/** Collects output until ready (noting a ready or failure line), then forwards it to onLine. */
function watchStartup(child: ChildProcess, options: ServerOptions): Startup {
  let ready = false;
  const startup: Startup = {
    lines: [],
    matched: false,
    failed: false,
    markReady: () => {
      ready = true;
      for (const line of startup.lines) options.onLine?.(line);
    },
  };
  forEachLine(child, (line) => {
    if (ready) return options.onLine?.(line);
    startup.lines.push(line);
    if (options.ready instanceof RegExp && options.ready.test(line)) startup.matched = true;
    if (options.failure?.test(line)) startup.failed = true;
  });
  return startup;
}

async function waitUntilReady(
  options: ServerOptions,
  startup: Startup,
  exited: Promise<number | string>,
): Promise<void> {
  let exitCode: number | string | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (startup.failed) {
      await pause(500); // let the rest of the error arrive
      throw new Error(`${options.name} failed to start`);
    }
    if (exitCode !== undefined) throw new Error(`${options.name} exited (${exitCode}) before it was ready`);
    if (options.ready instanceof RegExp ? startup.matched : await options.ready()) return;
    await pause(options.ready instanceof RegExp ? 50 : 250);
  }
  throw new Error(`${options.name} was not ready within ${Math.round(timeoutMs / 1000)} s`);
}

function forEachLine(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split(/\r?\n/);
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line);
    });
  }
}

/** Stops a group: SIGTERM (unless graceMs is 0), SIGKILL after graceMs, until no member is left. */
async function stopGroup(pid: number, exited: Promise<number | string>, graceMs: number): Promise<void> {
  signalGroup(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // workerd may outlive wrangler by a moment; the group is empty only when it is gone too.
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid)) {
    if (Date.now() >= deadline) signalGroup(pid, 'SIGKILL');
    await pause(50);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
