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
   * Last resort for a failed test: SIGKILL the group, and the `wrangler dev` groups the script
   * started for each `outDir` (groups of their own, which a SIGKILLed script cannot stop any more).
   */
  kill(...outDirs: string[]): void;
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
  // 'close', not 'exit': npm may exit on Ctrl-C while the script it started is still stopping its
  // routers (under load, seconds later), and its last lines are only read once every process
  // holding the output pipes is gone.
  const closed = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
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
      return closed;
    },
    kill: (...outDirs) => {
      for (const group of [child.pid, ...outDirs.map(wranglerGroup)]) {
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

/**
 * Sends `bytes` random bytes as a chunked upload (no Content-Length), in 1 kB chunks, and reads
 * the answer; fails after `timeoutMs`, so a hang shows as a failure, not a stuck suite.
 * @example (await postChunked(port, 'up.test', '/x', 8192)).status // 413 under max_body: 1kb
 */
export function postChunked(
  port: number,
  host: string,
  path: string,
  bytes: number,
  timeoutMs = 10_000,
): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { host, 'transfer-encoding': 'chunked' },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host}${path} within ${timeoutMs} ms`)));
    req.on('error', fail);
    for (let sent = 0; sent < bytes; sent += 1024) req.write(Buffer.alloc(Math.min(1024, bytes - sent), 7));
    req.end();
  });
}

/**
 * `get` with a deadline: fails after `timeoutMs` instead of waiting for a hung router.
 * @example await getWithin(port, 'one.test', '/', 10_000)
 */
export function getWithin(port: number, host: string, path: string, timeoutMs: number): Promise<Answer> {
  return new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`no answer from ${host}${path} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    get(port, host, path).then(
      (answer) => {
        clearTimeout(timer);
        done(answer);
      },
      (error: unknown) => {
        clearTimeout(timer);
        fail(error);
      },
    );
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
