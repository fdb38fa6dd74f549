/**
 * `npm run load [-- --requests N] [--concurrency N] [--max-seconds N] [--cli]`: the
 * fault-tolerance load test. It starts two local origins (each in its own process) and the real
 * router under wrangler's dev server with a generated route table, then sends N requests
 * (default 20,000) at a bounded concurrency (default 100): GET and POST, cache hits and misses,
 * small and 1 MB bodies. Halfway through, the first origin of the failover route is killed and
 * restarted.
 *
 * Why not the `wrangler dev` command by default: it always attaches wrangler's inspector proxy,
 * which turns on the DevTools Network domain, and workerd then keeps every subrequest body for
 * DevTools. Measured here: about 4 MB of workerd memory per 1 MB fetched, and 5x less
 * throughput; the default mix (3 GB through the router) ran workerd out of heap (1.4 GB) after
 * ~19,000 requests. So the router runs in the same dev server (`unstable_startWorker`, which is
 * what `wrangler dev` itself calls: same proxy, same miniflare, same local cache and rate-limit
 * simulation), with the inspector off. `--cli` runs the `wrangler dev` command instead
 * (scripts/serve/local-router.ts), for a smaller run or to see the leak.
 *
 * Every response is checked: the status, and the body against what it must be (the sha256 of
 * the deterministic /bytes pattern, or the origin's report of the sha256 it received for an
 * upload). It prints requests sent, statuses, errors by code, body-hash mismatches (must be 0)
 * and p50/p99 latency, and exits 1 when a body was wrong (or arrived cut without the client being
 * able to tell).
 *
 * All traffic stays on 127.0.0.1; the run is bounded in count and time, stops by itself, and
 * stops every process it started. The table is built into test/.generated/ (git-ignored), so the
 * shipped build in src/generated/ is untouched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { patternChunk, startOrigin } from '../test/origin/server.ts';
import { buildLocalRouter, freePort, OFFLINE_ENV, projectRoot, startWrangler } from './serve/local-router.ts';

const MB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '100' },
    'max-seconds': { type: 'string', default: '900' },
    // Diagnosis: send only the request kinds whose name contains this text.
    only: { type: 'string' },
    cli: { type: 'boolean', default: false },
    // Internal: run one origin, or the router, in this process (the load test starts these).
    'serve-origin': { type: 'string' },
    'serve-router': { type: 'string' },
    port: { type: 'string' },
  },
});

/** Origin mode: serve until killed. */
async function serveOrigin(name: string, port: number): Promise<void> {
  const origin = await startOrigin(port, name);
  console.log(`ready ${origin.port}`);
  process.on('SIGTERM', () => origin.close().then(() => process.exit(0)));
}

/**
 * Router mode: wrangler's dev server over a generated wrangler config, local only, loopback
 * only, no inspector, no live reload, no file watching; the Worker's log lines go to stdout.
 */
async function serveRouter(config: string, port: number): Promise<void> {
  Object.assign(process.env, OFFLINE_ENV);
  const { unstable_startWorker } = await import('wrangler');
  const worker = await unstable_startWorker({
    config,
    dev: {
      remote: false,
      server: { hostname: '127.0.0.1', port },
      inspector: false,
      liveReload: false,
      watch: false,
      persist: join(dirname(config), 'state'),
    },
  });
  await worker.ready;
  console.log(`ready ${port}`);
  process.on('SIGTERM', () => {
    worker.dispose().finally(() => process.exit(0));
  });
}

// ---------------------------------------------------------------------------------------------
// The traffic

interface Plan {
  kind: string;
  method: 'GET' | 'POST' | 'PUT';
  host: string;
  path: string;
  body?: Buffer;
  bodySha?: string;
  /** For downloads: the length and sha256 the body must have. */
  expectBytes?: { length: number; sha: string };
}

/** Deterministic mix of request kinds, by share (out of 100). */
const MIX: Array<[share: number, make: (i: number, bodies: Bodies) => Plan]> = [
  // Cache hits and misses: 200 small keys and 10 large ones, each a miss once, then hits.
  [30, (i) => download('cached-small', 'cached.localhost', 16 * 1024, `k=${i % 200}`)],
  [5, (i) => download('cached-1mb', 'cached.localhost', MB, `k=${i % 10}`)],
  // The failover route (origin A restarts midway; B is its backup).
  [15, (i) => download('failover-get', 'failover.localhost', 1024 + (i % 50) * 100, `u=${i}`)],
  [5, (i) => download('failover-get-1mb', 'failover.localhost', MB, `u=${i}`)],
  [20, (i, b) => upload('failover-post', 'POST', 'failover.localhost', pick(b.small, i))],
  [5, (i, b) => upload('failover-post-1mb', 'POST', 'failover.localhost', pick(b.large, i))],
  // A single-origin route: uploads (POST and PUT) and an uncached echo.
  [10, (i, b) => upload('direct-post', i % 2 ? 'POST' : 'PUT', 'direct.localhost', pick(b.small, i))],
  [5, (i, b) => upload('direct-post-1mb', 'POST', 'direct.localhost', pick(b.large, i))],
  [5, (i) => ({ kind: 'direct-get', method: 'GET', host: 'direct.localhost', path: `/echo/get?i=${i}` })],
];

/** The i-th element, round the list. */
function pick<T>(list: T[], i: number): T {
  return list[i % list.length] as T;
}

const shaCache = new Map<number, string>();
function patternSha(length: number): string {
  let sha = shaCache.get(length);
  if (!sha) {
    sha = createHash('sha256').update(patternChunk(0, length)).digest('hex');
    shaCache.set(length, sha);
  }
  return sha;
}

function download(kind: string, host: string, length: number, query: string): Plan {
  return {
    kind,
    method: 'GET',
    host,
    path: `/bytes?n=${length}&${query}`,
    expectBytes: { length, sha: patternSha(length) },
  };
}

function upload(
  kind: string,
  method: 'POST' | 'PUT',
  host: string,
  body: { data: Buffer; sha: string },
): Plan {
  return { kind, method, host, path: `/echo/${kind}`, body: body.data, bodySha: body.sha };
}

interface Bodies {
  small: Array<{ data: Buffer; sha: string }>;
  large: Array<{ data: Buffer; sha: string }>;
}

function makeBodies(): Bodies {
  const make = (size: number) => {
    const data = randomBytes(size);
    return { data, sha: createHash('sha256').update(data).digest('hex') };
  };
  return {
    small: Array.from({ length: 32 }, (_, i) => make(256 + i * 509)),
    large: Array.from({ length: 3 }, () => make(MB)),
  };
}

function planFor(i: number, bodies: Bodies): Plan {
  // Spread kinds evenly through the run: position within each block of 100.
  for (let attempt = 0; attempt < 100; attempt++) {
    let slot = ((i + attempt) * 37) % 100;
    for (const [share, make] of MIX) {
      if (slot < share) {
        const plan = make(i, bodies);
        if (!values.only || plan.kind.includes(values.only)) return plan;
        break;
      }
      slot -= share;
    }
  }
  throw new Error(`no request kind matches --only ${values.only}`);
}

// ---------------------------------------------------------------------------------------------
// One request and its verdict

interface Outcome {
  kind: string;
  status: number;
  /** A router error code, a client-side failure, or undefined when all is well. */
  error?: string;
  /** The body arrived complete by HTTP framing, but was not the right body. */
  mismatch: boolean;
  ms: number;
  cache?: string;
}

function send(agent: Agent, port: number, plan: Plan): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Omit<Outcome, 'kind' | 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ kind: plan.kind, ms: performance.now() - started, ...outcome });
    };
    const headers: Record<string, string> = { host: plan.host };
    if (plan.body) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(plan.body.length);
    }
    const req = request(
      { agent, host: '127.0.0.1', port, method: plan.method, path: plan.path, headers, timeout: 60_000 },
      (res) => {
        const status = res.statusCode ?? 0;
        const hash = createHash('sha256');
        const chunks: Buffer[] = [];
        let length = 0;
        const keep = !plan.expectBytes || status !== 200;
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (keep) chunks.push(chunk);
          else hash.update(chunk);
        });
        // 'aborted' / 'error': the connection closed before the body was complete. That is
        // what a client can detect of an origin dying mid-body; it is an error, not a mismatch.
        res.on('aborted', () => done({ status, error: 'client:truncated', mismatch: false }));
        res.on('error', () => done({ status, error: 'client:truncated', mismatch: false }));
        res.on('end', () => {
          if (!res.complete) return done({ status, error: 'client:truncated', mismatch: false });
          const cache = res.headers['x-cache'] as string | undefined;
          const declared = res.headers['content-length'];
          if (declared !== undefined && Number(declared) !== length) {
            return done({ status, error: 'client:short-body', mismatch: false, cache });
          }
          if (status !== 200) {
            return done({ status, error: routerError(Buffer.concat(chunks)), mismatch: false, cache });
          }
          if (plan.expectBytes) {
            const ok = length === plan.expectBytes.length && hash.digest('hex') === plan.expectBytes.sha;
            return done({ status, mismatch: !ok, cache });
          }
          const echo = parseJson(Buffer.concat(chunks)) as
            | { bodyLength?: number; bodySha256?: string; url?: string }
            | undefined;
          if (plan.body) {
            const ok = echo?.bodyLength === plan.body.length && echo.bodySha256 === plan.bodySha;
            return done({ status, mismatch: !ok, cache });
          }
          return done({ status, mismatch: echo?.url !== plan.path, cache });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({ status: 0, error: `client:${error.code ?? error.message}`, mismatch: false }),
    );
    req.end(plan.body);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function routerError(body: Buffer): string {
  const parsed = parseJson(body) as { error?: unknown } | undefined;
  return typeof parsed?.error === 'string' ? parsed.error : 'origin-status';
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Child {
  name: string;
  child: ChildProcess;
}

/**
 * Starts this script in a serving mode (`--serve-origin` or `--serve-router`) in its own process
 * group, and resolves once it prints `ready`. Every later line of its stdout goes to `onLine`.
 */
async function spawnServing(name: string, args: string[], onLine?: (line: string) => void): Promise<Child> {
  const tsx = join(projectRoot, 'node_modules/.bin/tsx');
  const child = spawn(tsx, [join(projectRoot, 'scripts/load.ts'), ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...OFFLINE_ENV, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const early: string[] = [];
  let ready = false;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!ready) early.push(line);
        if (ready || !line.startsWith('ready')) onLine?.(line);
        if (line.startsWith('ready')) ready = true;
      }
    });
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${early.join('\n')}`)), 180_000);
    const poll = setInterval(() => {
      if (!ready) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${early.join('\n')}`));
    });
  });
  return { name, child };
}

const spawnOrigin = (name: string, port: number) =>
  spawnServing(`origin ${name}`, ['--serve-origin', name, '--port', String(port)]);

/** Kills a child's process group and waits for the child to be gone. */
async function killGroup({ child }: Child, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, signal);
  } catch {
    return;
  }
  await exited;
}

/** SIGKILL to whatever is left of a child's process group (workerd outliving wrangler). */
function killGroupNow({ child }: Child): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

// ---------------------------------------------------------------------------------------------
// The run

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function increment(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function table(map: Map<string | number, number>): string {
  return [...map.entries()]
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    .map(([key, count]) => `${key}: ${count}`)
    .join(', ');
}

async function main(): Promise<number> {
  const total = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const maxMs = Number(values['max-seconds']) * 1000;
  if (!(total > 0 && concurrency > 0 && maxMs > 0))
    throw new Error('requests, concurrency and max-seconds must be > 0');

  const outDir = join(projectRoot, 'test/.generated', `load-${process.pid}`);
  const logFile = join(projectRoot, 'test/.generated/load-router.log');
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
    cleanups.length = 0;
  };
  const onSignal = () => {
    console.error('\ninterrupted: stopping');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const [portA, portB, routerPort] = [await freePort(), await freePort(), await freePort()];
    let originA = await spawnOrigin('A', portA);
    cleanups.push(() => killGroup(originA, 'SIGKILL'));
    const originB = await spawnOrigin('B', portB);
    cleanups.push(() => killGroup(originB, 'SIGKILL'));

    const routes = [
      'version: 1',
      'defaults:',
      '  timeout: 30s',
      'routes:',
      '  - id: cached',
      '    hosts: [cached.localhost]',
      `    origin: http://127.0.0.1:${portB}`,
      '    cache: { ttl: 3600 }',
      '  - id: failover',
      '    hosts: [failover.localhost]',
      `    origin: [http://127.0.0.1:${portA}, http://127.0.0.1:${portB}]`,
      '    retry: { non_idempotent: true, max_replay_body: 2mb }',
      '    max_body: 4mb',
      '  - id: direct',
      '    hosts: [direct.localhost]',
      `    origin: http://127.0.0.1:${portB}`,
      '    max_body: 4mb',
      '',
    ].join('\n');
    mkdirSync(outDir, { recursive: true });
    cleanups.push(async () => rmSync(outDir, { recursive: true, force: true }));
    const built = buildLocalRouter(join(outDir, 'routes.yaml'), routes, outDir, 'edge-router-load');
    if (!built.analysis.table) throw new Error('the load-test route table did not build');

    // The router's log lines (one JSON line per request) are tallied and kept in a file.
    const logLines: string[] = [];
    const tries = new Map<string, number>();
    const answeredBy = new Map<string, number>();
    const onLine = (line: string) => {
      logLines.push(line);
      const start = line.indexOf('{"request_id"');
      if (start === -1) return;
      const record = parseJson(Buffer.from(line.slice(start))) as
        | { route?: string; tries?: number; origin?: string | null }
        | undefined;
      if (record?.route !== 'failover') return;
      increment(tries, String(record.tries));
      const who = record.origin === `http://127.0.0.1:${portA}` ? 'A' : record.origin ? 'B' : 'none';
      increment(answeredBy, who);
    };
    if (values.cli) {
      const router = await startWrangler({ outDir, port: routerPort, readyTimeoutMs: 180_000, onLine });
      cleanups.push(() => router.stop());
    } else {
      const config = join(outDir, 'wrangler.json');
      const router = await spawnServing(
        'router',
        ['--serve-router', config, '--port', String(routerPort)],
        onLine,
      );
      cleanups.push(async () => {
        // SIGTERM lets wrangler stop workerd; SIGKILL for the group if it takes too long.
        const timer = setTimeout(() => void killGroup(router, 'SIGKILL'), 10_000);
        await killGroup(router, 'SIGTERM');
        clearTimeout(timer);
        killGroupNow(router);
      });
    }
    cleanups.push(async () => {
      mkdirSync(join(projectRoot, 'test/.generated'), { recursive: true });
      writeFileSync(logFile, `${logLines.join('\n')}\n`);
    });

    const bodies = makeBodies();
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    cleanups.push(async () => agent.destroy());

    const outcomes: Outcome[] = [];
    const started = Date.now();
    const deadline = started + maxMs;
    let next = 0;
    let restart: Promise<void> | undefined;
    let restartNote = '';
    console.error(
      `load: ${total} requests, concurrency ${concurrency}, router 127.0.0.1:${routerPort} (${values.cli ? 'wrangler dev command' : 'wrangler dev server, inspector off'}), origins A :${portA} B :${portB}`,
    );

    const worker = async () => {
      while (next < total && Date.now() < deadline) {
        const i = next++;
        if (i === Math.floor(total / 2) && !restart) {
          // Halfway: kill origin A (the failover route's first origin) and bring it back.
          restart = (async () => {
            const down = Date.now();
            await killGroup(originA, 'SIGKILL');
            await new Promise((resolve) => setTimeout(resolve, 2000));
            originA = await spawnOrigin('A', portA);
            restartNote = `origin A killed (SIGKILL) after request ${i}, back after ${Date.now() - down} ms`;
          })();
        }
        outcomes.push(await send(agent, routerPort, planFor(i, bodies)));
        if (outcomes.length % 2000 === 0) {
          console.error(`  ${outcomes.length} done, ${Math.round((Date.now() - started) / 1000)} s`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await restart;
    const elapsed = (Date.now() - started) / 1000;
    // Let the last log lines arrive before tallying them.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const statuses = new Map<string | number, number>();
    const errors = new Map<string, number>();
    const errorsByKind = new Map<string, number>();
    const cache = new Map<string, number>();
    let mismatches = 0;
    for (const outcome of outcomes) {
      increment(statuses as Map<string, number>, String(outcome.status));
      if (outcome.error) {
        increment(errors, outcome.error);
        increment(errorsByKind, `${outcome.kind}/${outcome.error}`);
      }
      if (outcome.mismatch) mismatches++;
      if (outcome.kind.startsWith('cached') && outcome.cache) increment(cache, outcome.cache);
    }
    const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
    const lines = [
      '',
      '== npm run load: result ==',
      `requests sent:        ${outcomes.length} of ${total} in ${elapsed.toFixed(1)} s (${(outcomes.length / elapsed).toFixed(0)} req/s), concurrency ${concurrency}`,
      `mix:                  ${table(countKinds(outcomes))}`,
      `statuses:             ${table(statuses)}`,
      `errors by code:       ${errors.size === 0 ? 'none' : table(errors)}`,
      ...(errorsByKind.size ? [`errors by kind:       ${table(errorsByKind)}`] : []),
      `body-hash mismatches: ${mismatches}`,
      `cache (cached route): ${table(cache)}`,
      `failover route:       answered by ${table(answeredBy)}; tries ${table(tries)}`,
      `origin restart:       ${restartNote || 'did not happen (run ended first)'}`,
      `latency:              p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${percentile(latencies, 100).toFixed(1)} ms`,
      `router log:           ${logFile}`,
      '',
    ];
    console.log(lines.join('\n'));
    const incomplete = outcomes.length < total;
    if (incomplete) console.error(`stopped at the time limit (${maxMs / 1000} s) before sending everything`);
    return mismatches > 0 || incomplete ? 1 : 0;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function countKinds(outcomes: Outcome[]): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const outcome of outcomes) increment(kinds, outcome.kind);
  return kinds;
}

// Last, so every constant above is initialised before the run starts.
if (values['serve-origin']) {
  await serveOrigin(values['serve-origin'], Number(values.port));
} else if (values['serve-router']) {
  await serveRouter(values['serve-router'], Number(values.port));
} else {
  process.exitCode = await main();
}
