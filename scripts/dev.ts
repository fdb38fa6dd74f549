/**
 * `npm run dev -- [FILE] [--port N] [--out DIR] [--stats-every 30s]`: serves a route file
 * (default routes.yaml) locally with the real Worker under `wrangler dev`, and rebuilds whenever
 * the file changes. An invalid edit prints the same FILE:LINE:COL errors as `npm run check` and
 * the last good build keeps serving. Port: --port / PORT (default 8787). The router's log lines
 * are counted per route (the table `npm run stats` prints, on Ctrl-C and every --stats-every).
 * Ctrl-C stops everything.
 */
import { existsSync, type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildLocalRouter,
  displayPath,
  portOption,
  projectRoot,
  type RunningRouter,
  startWrangler,
} from './serve/local-router.ts';
import { countAndEcho, localStats, localSummary, statsEvery } from './stats/local-stats.ts';

/** Editors save in bursts (truncate, write, rename): wait for the file to settle. */
const DEBOUNCE_MS = 150;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, out: { type: 'string' }, 'stats-every': { type: 'string' } },
  });
  const every = values['stats-every'] === undefined ? undefined : statsEvery(values['stats-every']);
  const stats = localStats();
  const file = resolve(positionals[0] ?? 'routes.yaml');
  if (!existsSync(file)) throw new Error(`${positionals[0] ?? 'routes.yaml'} does not exist`);
  const port = portOption(values.port, 'PORT', 8787);
  const outDir = values.out ?? join(projectRoot, '.wrangler/dev');
  const label = displayPath(file);

  let router: RunningRouter | undefined;
  let lastText: string | undefined;
  let stopping = false;

  /** Builds the current file; starts wrangler after the first good build. */
  const rebuild = async (reason: string): Promise<void> => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // Mid-save (renamed away): the next event brings the new file.
    }
    if (text === lastText) return;
    lastText = text;
    if (reason) console.log(`\n${reason}: rebuilding...`);
    const { analysis, changed } = buildLocalRouter(file, text, outDir, 'edge-router-dev');
    if (!analysis.table) {
      console.error(
        router
          ? `${label} has errors (above): still serving the last good build.`
          : `${label} has errors (above): fix them and save; the router starts with the first good build.`,
      );
      return;
    }
    if (!router) {
      console.log(`Starting the router on http://127.0.0.1:${port} (wrangler dev, local mode)...`);
      router = await startWrangler({ outDir, port, onLine: countAndEcho(stats, every) });
      router.exited.then((code) => void shutdown(`wrangler exited (${code})`, 1));
      printHelp(router.url, label, analysis.table.routes[0]?.hosts[0]);
    } else if (changed) {
      console.log('Rebuilt: the router reloads with the new table.');
    } else {
      console.log('The compiled table did not change.');
    }
  };

  // One build at a time, in order: a save during a slow first start waits its turn.
  let queue = Promise.resolve();
  const enqueue = (reason: string) => {
    queue = queue
      .then(() => rebuild(reason))
      .catch((error: unknown) => void shutdown((error as Error).message, 1));
  };

  // Watch the folder, not the file: editors that save by renaming would end a file watch.
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), (_event, name) => {
    if (name !== null && name !== basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => enqueue(`${label} changed`), DEBOUNCE_MS);
  });

  const shutdown = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${localSummary(stats)}\n${why}: stopping the router...`);
    watcher.close();
    clearTimeout(timer);
    await router?.stop();
    console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  enqueue('');
}

function printHelp(url: string, label: string, host: string | undefined): void {
  const example = host?.replace(/^\*\./, 'any.') ?? 'example.com';
  console.log(
    [
      '',
      `Serving ${label} on ${url}. Send the route's host in the Host header:`,
      `  curl -i -H 'Host: ${example}' ${url}/`,
      `Edit ${label} and save: the router rebuilds; an invalid edit keeps the last good build.`,
      'Each request prints a JSON log line; Ctrl-C prints a table of them per route.',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(`npm run dev: ${(error as Error).message}`);
  process.exit(1);
});
