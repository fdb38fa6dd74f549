/**
 * `npm run logs -- [--route ID] [--status 5xx|404|...] [--host H] [--request-id ID] [--file FILE]`:
 * the deployed Worker's own log lines, live, one JSON line per request, filtered. It runs
 * `wrangler tail --format json` on the Worker (credentials as for `wrangler tail`: a login or
 * CLOUDFLARE_API_TOKEN) and keeps only the router's lines; a tail is live, so it shows requests
 * made while it runs. `--request-id` stops at that request's line. `--file FILE` (or `-` for
 * stdin) reads a saved `wrangler tail --format json` capture instead of tailing.
 *
 * Exit 0; 1 on a bad flag, when wrangler fails, or when `--request-id` was not found.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Io, runIfMain } from './cli/io.ts';
import { type TargetWorker, targetWorker } from './cli/target-worker.ts';
import { type LogFilter, logFilter, matches } from './logs/log-filter.ts';
import { jsonValues, routerLines } from './logs/tail-events.ts';
import { wranglerArgs } from './serve/local-router.ts';

const USAGE =
  'usage: npm run logs -- [--env NAME] [--route ID] [--status 5xx|404|...] [--host H] [--request-id ID] [--file FILE|-]';

const OPTIONS = {
  env: { type: 'string' },
  route: { type: 'string' },
  status: { type: 'string' },
  host: { type: 'string' },
  'request-id': { type: 'string' },
  file: { type: 'string' },
} as const;

/**
 * The wrangler command line that tails the Worker. A request id is also given to tail's own
 * `--search`, so Cloudflare sends only the events that mention it.
 * @example tailArguments(worker, {}) // ['tail', 'edge-router', '--format', 'json', '--config', '/repo/wrangler.toml']
 */
export function tailArguments(worker: TargetWorker, filter: LogFilter): string[] {
  const search = filter.requestId ? ['--search', filter.requestId] : [];
  return ['tail', worker.name, '--format', 'json', '--config', worker.config, ...search];
}

/**
 * Prints the router lines of a tail stream that pass the filter; true when `--request-id` was
 * found (it stops there).
 * @example await printRouterLines(createReadStream('tail.json'), logFilter({ status: '5xx' }), io)
 */
export async function printRouterLines(
  stream: AsyncIterable<string | Buffer>,
  filter: LogFilter,
  io: Io,
): Promise<boolean> {
  for await (const event of jsonValues(stream)) {
    for (const line of routerLines(event)) {
      if (!matches(line.record, filter)) continue;
      io.out(line.text);
      if (filter.requestId !== undefined) return true;
    }
  }
  return false;
}

/** Runs wrangler tail and filters what it prints; resolves with the exit code. */
async function tail(worker: TargetWorker, filter: LogFilter, io: Io): Promise<number> {
  // A tail is live: what happened before it started is in the dashboard's Workers Logs.
  io.err(
    filter.requestId === undefined
      ? `logs: tailing ${worker.name} live; earlier requests are in the dashboard's Workers Logs`
      : `logs: waiting for request ${filter.requestId} on ${worker.name}: send (or repeat) it now; an earlier request's line is in the dashboard's Workers Logs`,
  );
  const child = spawn(process.execPath, [...wranglerArgs(), ...tailArguments(worker, filter)], {
    cwd: io.cwd,
    env: io.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number>((done) => child.once('close', (code) => done(code ?? 1)));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => io.err(text.trimEnd()));
  child.stdout.setEncoding('utf8');
  const found = await printRouterLines(child.stdout, filter, io);
  // Found: stop wrangler as Ctrl-C would, so it deletes its tail session.
  if (found) child.kill('SIGINT');
  const code = await exited;
  if (found) return 0;
  if (filter.requestId !== undefined) io.err(`logs: no log line for request ${filter.requestId}`);
  return code === 0 && filter.requestId === undefined ? 0 : 1;
}

/** @example await main(['--status', '5xx'], processIo()) */
export async function main(argv: string[], io: Io): Promise<number> {
  let filter: LogFilter;
  let file: string | undefined;
  let env: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
    filter = logFilter({ ...values, requestId: values['request-id'] });
    file = values.file;
    env = values.env;
  } catch (error) {
    io.err(`logs: ${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  try {
    if (file === undefined) return await tail(targetWorker(io.cwd, { env }), filter, io);
    const stream = file === '-' ? process.stdin : createReadStream(resolve(io.cwd, file), 'utf8');
    const found = await printRouterLines(stream, filter, io);
    if (filter.requestId === undefined || found) return 0;
    io.err(`logs: no log line for request ${filter.requestId} in ${file}`);
    return 1;
  } catch (error) {
    io.err(`logs: ${(error as Error).message}`);
    return 1;
  }
}

runIfMain(import.meta.url, main);
