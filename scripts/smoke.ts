/**
 * `npm run smoke -- [--env NAME] [--base URL] [--host-header] [--routes FILE] [--tests FILE]
 * [--header 'K: V']... [--expect-version ID]`: runs the route tests of routes.test.yaml as real HTTP requests against a
 * running router (a local `npm start` / `npm run dev`, or production) and reports each failed
 * case like `check` does (FILE:LINE:COL, the request, expected vs actual). With --env, the cases
 * marked for that environment (`env: staging`); without, production's.
 *
 * Without --base every case goes to its own URL (production). With --base every request goes to
 * that address instead; --host-header then sends the case's host as the Host header, which is how
 * a local `wrangler dev` routes. With ROUTER_DEBUG_TOKEN set to the Worker's debug token, the
 * router's debug headers let the route and upstream of each case be checked too.
 * Exit 0 when every case passes, 1 when one fails or on a bad argument or file.
 */
import { parseArgs } from 'node:util';
import { type Io, runIfMain } from './cli/io.ts';
import { loadSmokeCases } from './smoke/cases.ts';
import { runSmoke } from './smoke/run.ts';

const USAGE =
  "usage: npm run smoke -- [--env NAME] [--base URL] [--host-header] [--routes FILE] [--tests FILE] [--header 'K: V']... [--expect-version ID]";

const OPTIONS = {
  env: { type: 'string' },
  base: { type: 'string' },
  'host-header': { type: 'boolean' },
  routes: { type: 'string' },
  tests: { type: 'string' },
  header: { type: 'string', multiple: true, short: 'H' },
  'expect-version': { type: 'string' },
} as const;

/** @example await main(['--base', 'http://127.0.0.1:8787', '--host-header'], io) // 0 when every case passes */
export async function main(argv: string[], io: Io): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  const flags = parseFlags(values);
  if (typeof flags === 'string') {
    io.err(`${flags}\n${USAGE}`);
    return 1;
  }
  const loaded = loadSmokeCases(values.routes ?? 'routes.yaml', values.tests, io, values.env);
  if (!loaded) return 1;
  const token = io.env.ROUTER_DEBUG_TOKEN || undefined;
  const report = await runSmoke(
    {
      file: loaded.file,
      cases: loaded.cases,
      table: loaded.table,
      ...flags,
      token,
      version: values['expect-version'],
    },
    io,
  );
  return report.failed === 0 ? 0 : 1;
}

/** --base, --host-header and --header, checked; a string is the error to print. */
function parseFlags(values: {
  base?: string;
  'host-header'?: boolean;
  header?: string[];
}): { base?: URL; hostHeader: boolean; headers: Array<[string, string]> } | string {
  let base: URL | undefined;
  if (values.base !== undefined) {
    try {
      base = new URL(values.base);
    } catch {
      return `--base: "${values.base}" is not a URL (e.g. http://127.0.0.1:8787)`;
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      return `--base: use an http:// or https:// URL`;
  }
  if (values['host-header'] && !base) return '--host-header needs --base';
  const headers: Array<[string, string]> = [];
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    if (colon < 1) return `--header: "${header}" is not "Name: value"`;
    headers.push([header.slice(0, colon).trim(), header.slice(colon + 1).trim()]);
  }
  return { base, hostHeader: values['host-header'] ?? false, headers };
}

runIfMain(import.meta.url, main);
