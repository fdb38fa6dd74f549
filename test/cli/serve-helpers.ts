/**
 * Helpers for the tests of `npm start` and `npm run dev`: run an npm script in its own process
 * group (as a terminal would), watch its output, send requests with a Host header, and prove
 * that stopping it left no process behind.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

export interface Script {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** Resolves when the output matches, fails when the script exits first or time runs out. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group. */
  interrupt(): Promise<number | null>;
  /**
   * Last resort for a failed test: SIGKILL the group, and the `wrangler dev` group the script
   * started for `outDir` (its own group, which a SIGKILLed script cannot stop any more).
   */
  kill(outDir: string): void;
}

/**
 * Runs `npm run NAME -- ARGS` as the leader of a new process group.
 * @example const demo = runScript('start', ['--port', '9000']);
 */
export function runScript(name: string, args: string[]): Script {
  let text = '';
  const child = spawn('npm', ['run', '--silent', name, '--', ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false', PORT: '', ORIGIN_PORT: '' },
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      text += chunk;
    });
  }
  return {
    child,
    output: () => text,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise((done, fail) => {
        const matches = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
        const timer = setInterval(() => {
          if (matches()) finish();
          else if (child.exitCode !== null) finish(new Error(`npm run ${name} exited (${child.exitCode})`));
          else if (Date.now() > deadline) finish(new Error(`timed out waiting for ${pattern}`));
        }, 100);
        const deadline = Date.now() + timeoutMs;
        const finish = (error?: Error) => {
          clearInterval(timer);
          if (error) fail(new Error(`${error.message}\n--- output ---\n${text}`));
          else done();
        };
      }),
    interrupt: async () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGINT');
      return exited;
    },
    kill: (outDir) => {
      const wrangler = wranglerGroup(outDir);
      for (const group of [child.pid, wrangler]) {
        try {
          if (group) process.kill(-group, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}

/**
 * The process group of the `wrangler dev` started with `--config <outDir>/wrangler.json`.
 * @example const group = wranglerGroup('/tmp/demo-x');
 */
export function wranglerGroup(outDir: string): number | undefined {
  for (const line of execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' }).split('\n')) {
    const [, , pgid, args] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line) ?? [];
    if (args?.includes('wrangler') && args.includes(`${outDir}/wrangler.json`)) return Number(pgid);
  }
  return undefined;
}

/** The processes still in a group (none once it is stopped). */
export function groupMembers(pgid: number): string[] {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[1] === String(pgid));
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request to the local router with a Host header (fetch cannot set Host).
 * @example await get(8787, 'api.localhost', '/v1/users')
 */
export function get(port: number, host: string, path: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Resolves when nothing listens on the port any more. */
export function portClosed(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 2_000 }, (res) => {
      res.resume();
      done(false);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
    req.end();
  });
}

/**
 * Retries `check` until it returns without throwing (wrangler reloads take a moment).
 * @example await eventually(async () => expect((await get(p, 'two.test', '/')).status).toBe(200));
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
