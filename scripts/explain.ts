/**
 * `npm run explain -- URL [--method M] [--header 'K: V']... [--routes FILE] [--env NAME] [--json]`: which route
 * a request matches and what the router does with it (upstream URL or redirect, methods, CORS,
 * cache, timeout, access, rate limit), decided by the Worker's own resolver and stages.
 * Exit 0 when a route matched, 2 when none did, 1 on an error.
 */
import { parseArgs } from 'node:util';
import { explain, formatExplanation } from './cli/explain-report.ts';
import { type Io, runIfMain } from './cli/io.ts';
import { loadRoutesFile } from './cli/routes-file.ts';
import type { SimulatedRequest } from './cli/simulate.ts';

const USAGE =
  "usage: npm run explain -- URL [--method M] [--header 'K: V']... [--routes FILE] [--env NAME] [--json]";

/** @example await main(['api.example.com/x', '--json'], io) // 0 when a route matched, 2 when none did */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = readArguments(argv);
  if (typeof args === 'string') {
    io.err(args);
    return 1;
  }
  const loaded = loadRoutesFile(args.routes, io, args.env);
  if (!loaded) return 1;
  try {
    const e = await explain(loaded.table, args.request);
    io.out(args.json ? JSON.stringify(e, null, 2) : formatExplanation(e));
    return e.route ? 0 : 2;
  } catch (error) {
    io.err(`explain: ${(error as Error).message}`);
    return 1;
  }
}

/** Reads the command line into a request, or returns the message to print. */
function readArguments(
  argv: string[],
): { request: SimulatedRequest; routes: string; json: boolean; env?: string } | string {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>
  >;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    return `${(error as Error).message}\n${USAGE}`;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return USAGE;
  const raw = positionals[0] as string;
  // A bare host/path is an https URL, as a browser would read it.
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  try {
    new URL(url);
  } catch {
    return `"${raw}" is not a URL`;
  }
  const headers: Array<[string, string]> = [];
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) return `--header "${header}" must look like 'Name: value'`;
    headers.push([header.slice(0, colon).trim(), header.slice(colon + 1).trim()]);
  }
  return {
    request: { url, method: values.method ?? 'GET', headers },
    routes: values.routes ?? 'routes.yaml',
    env: values.env,
    json: values.json ?? false,
  };
}

const OPTIONS = {
  method: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  routes: { type: 'string' },
  env: { type: 'string' },
  json: { type: 'boolean' },
} as const;

runIfMain(import.meta.url, main);
