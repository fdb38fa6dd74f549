/**
 * `npm run load [-- --requests N] [--concurrency N] [--max-seconds N] [--only KIND] [--cli]`:
 * the fault-tolerance load test. It starts two local origins (each in its own process) and the
 * real router under wrangler's dev server with a generated route table, then sends N requests
 * (default 20,000) at a bounded concurrency (default 100): GET and POST, cache hits and misses,
 * small and 1 MB bodies (scripts/load/traffic.ts). Halfway through, the first origin of the
 * failover route is killed and restarted.
 *
 * Why not the `wrangler dev` command by default: it always attaches wrangler's inspector proxy,
 * which turns on the DevTools Network domain, and workerd then keeps every subrequest body for
 * DevTools. Measured here: about 4 MB of workerd memory per 1 MB fetched, and 5x less
 * throughput; the default mix (3 GB through the router) ran workerd out of heap (1.4 GB) after
 * ~19,000 requests. So the router runs in the same dev server (`unstable_startWorker`, which is
 * what `wrangler dev` itself calls: same proxy, same miniflare, same local cache and rate-limit
 * simulation), with the inspector off (scripts/load/router-process.ts). `--cli` runs the
 * `wrangler dev` command instead (scripts/serve/local-router.ts), for a smaller run or to see
 * the leak. `--only KIND` sends only the request kinds whose name contains KIND (diagnosis).
 *
 * Every response is checked (scripts/load/send.ts): the status, and the body against what it
 * must be. It prints requests sent, statuses, errors by code, body-hash mismatches (must be 0)
 * and p50/p99 latency (scripts/load/report.ts), and exits 1 when a body was wrong (or arrived
 * cut without the client being able to tell), or when the time limit stopped the run; 1 also
 * for bad flags.
 *
 * All traffic stays on 127.0.0.1; the run is bounded in count and time, stops by itself, and
 * stops every process it started (scripts/serve/server-process.ts). The table is built into
 * test/.generated/ (git-ignored), so the shipped build in src/generated/ is untouched.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Io, runIfMain } from './cli/io.ts';
import { FailoverTally, mismatches, resultLines } from './load/report.ts';
import { type Outcome, send } from './load/send.ts';
import { buildLoadTable, startOriginProcess, startRouter } from './load/servers.ts';
import { makeBodies, planFor } from './load/traffic.ts';
import { freePort, projectRoot } from './serve/local-router.ts';
import type { ServerProcess } from './serve/server-process.ts';

const USAGE =
  'usage: npm run load -- [--requests N] [--concurrency N] [--max-seconds N] [--only KIND] [--cli]';

const OPTIONS = {
  requests: { type: 'string', default: '20000' },
  concurrency: { type: 'string', default: '100' },
  'max-seconds': { type: 'string', default: '900' },
  only: { type: 'string' },
  cli: { type: 'boolean', default: false },
} as const;

interface Settings {
  total: number;
  concurrency: number;
  maxMs: number;
  only?: string;
  cli: boolean;
}

/** What a run started, stopped in reverse order at the end (or on Ctrl-C). */
type Cleanups = Array<() => Promise<void>>;

/** @example await main(['--requests', '200'], io) // 0 when every body was right */
export async function main(argv: string[], io: Io): Promise<number> {
  const settings = parseSettings(argv, io);
  if (!settings) return 1;
  const cleanups: Cleanups = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
    cleanups.length = 0;
  };
  const onSignal = () => {
    io.err('\ninterrupted: stopping');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(settings, cleanups, io);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseSettings(argv: string[], io: Io): Settings | undefined {
  try {
    const { values } = parseArgs({ args: argv, options: OPTIONS });
    const settings = {
      total: Number(values.requests),
      concurrency: Number(values.concurrency),
      maxMs: Number(values['max-seconds']) * 1000,
      only: values.only,
      cli: values.cli,
    };
    if (settings.total > 0 && settings.concurrency > 0 && settings.maxMs > 0) return settings;
    io.err(`--requests, --concurrency and --max-seconds must be numbers above 0\n${USAGE}`);
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
  }
  return undefined;
}

async function run(settings: Settings, cleanups: Cleanups, io: Io): Promise<number> {
  const outDir = join(projectRoot, 'test/.generated', `load-${process.pid}`);
  const logFile = join(projectRoot, 'test/.generated/load-router.log');
  const [portA, portB, routerPort] = [await freePort(), await freePort(), await freePort()];
  const origins = { A: await startOriginProcess('A', portA) };
  cleanups.push(() => origins.A.kill());
  const originB = await startOriginProcess('B', portB);
  cleanups.push(() => originB.kill());
  mkdirSync(outDir, { recursive: true });
  cleanups.push(async () => rmSync(outDir, { recursive: true, force: true }));
  buildLoadTable(outDir, portA, portB);

  // The router's log lines (one JSON line per request) are tallied and kept in a file.
  const logLines: string[] = [];
  const failover = new FailoverTally(`http://127.0.0.1:${portA}`);
  const router = await startRouter(outDir, routerPort, settings.cli, (line) => {
    logLines.push(line);
    failover.add(line);
  });
  cleanups.push(() => router.stop());
  cleanups.push(async () => writeFileSync(logFile, `${logLines.join('\n')}\n`));
  const agent = new Agent({ keepAlive: true, maxSockets: settings.concurrency });
  cleanups.push(async () => agent.destroy());

  io.err(
    `load: ${settings.total} requests, concurrency ${settings.concurrency}, router 127.0.0.1:${routerPort} (${settings.cli ? 'wrangler dev command' : 'wrangler dev server, inspector off'}), origins A :${portA} B :${portB}`,
  );
  const started = Date.now();
  const { outcomes, restartNote } = await sendAll(settings, agent, routerPort, origins, portA, io);
  const elapsedSeconds = (Date.now() - started) / 1000;
  // Let the last log lines arrive before tallying them.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const result = { outcomes, total: settings.total, concurrency: settings.concurrency, elapsedSeconds };
  io.out(resultLines({ ...result, failover, restartNote, logFile }).join('\n'));
  const incomplete = outcomes.length < settings.total;
  if (incomplete) io.err(`stopped at the time limit (${settings.maxMs / 1000} s) before sending everything`);
  return mismatches(outcomes) > 0 || incomplete ? 1 : 0;
}

/**
 * Sends the requests from `concurrency` loops; halfway, kills origin A (the failover route's
 * first origin) with SIGKILL and starts it again on the same port.
 */
async function sendAll(
  settings: Settings,
  agent: Agent,
  routerPort: number,
  origins: { A: ServerProcess },
  portA: number,
  io: Io,
): Promise<{ outcomes: Outcome[]; restartNote: string }> {
  const bodies = makeBodies();
  const outcomes: Outcome[] = [];
  const started = Date.now();
  const deadline = started + settings.maxMs;
  let next = 0;
  let restart: Promise<void> | undefined;
  let restartNote = '';
  const restartA = async (after: number) => {
    const down = Date.now();
    await origins.A.kill();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    origins.A = await startOriginProcess('A', portA);
    restartNote = `origin A killed (SIGKILL) after request ${after}, back after ${Date.now() - down} ms`;
  };
  const loop = async () => {
    while (next < settings.total && Date.now() < deadline) {
      const i = next++;
      if (i === Math.floor(settings.total / 2) && !restart) restart = restartA(i);
      outcomes.push(await send(agent, routerPort, planFor(i, bodies, settings.only)));
      if (outcomes.length % 2000 === 0) {
        io.err(`  ${outcomes.length} done, ${Math.round((Date.now() - started) / 1000)} s`);
      }
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, loop));
  await restart;
  return { outcomes, restartNote };
}

runIfMain(import.meta.url, main);
