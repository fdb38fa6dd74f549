/**
 * `npm start [-- --port N] [--origin-port N] [--out DIR] [--stats-every 30s]`: the demo. Starts
 * the demo origin (demo/origin.ts) and the real router under `wrangler dev` with demo/routes.yaml,
 * prints ready-to-paste curl lines, counts the router's log lines per route (the table
 * `npm run stats` prints, on Ctrl-C and every --stats-every), and stops both on Ctrl-C. Needs no
 * internet.
 *
 * Ports: --port / PORT (router, default 8787), --origin-port / ORIGIN_PORT (default 8788).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemoOrigin } from '../demo/origin.ts';
import {
  assertPortFree,
  buildLocalRouter,
  portOption,
  projectRoot,
  startWrangler,
} from './serve/local-router.ts';
import { countAndEcho, localStats, localSummary, statsEvery } from './stats/local-stats.ts';

/** The origin port written in demo/routes.yaml; replaced by the chosen one before building. */
const DEMO_FILE_ORIGIN = 'http://127.0.0.1:8788';

/** One thing to try: what it shows, and the shell line that shows it. */
export interface DemoRequest {
  title: string;
  command: string;
}

/**
 * The curl lines the demo prints, one per feature, for a router on `base`.
 * @example demoRequests('http://127.0.0.1:8787')[0].command // "curl -i -H 'Host: www.localhost' ..."
 */
export function demoRequests(base: string): DemoRequest[] {
  return [
    {
      title: 'Proxied echo: www.localhost goes to the origin, which shows what the router sent it',
      command: `curl -i -H 'Host: www.localhost' '${base}/hello?lang=en'`,
    },
    {
      title: 'strip_prefix: api.localhost/v1/users reaches the origin as /api/users',
      command: `curl -i -H 'Host: api.localhost' ${base}/v1/users`,
    },
    {
      title: 'A POST through the same route (methods: [GET, POST])',
      command: `curl -i -H 'Host: api.localhost' -H 'Content-Type: application/json' -d '{"name":"Alan Turing"}' ${base}/v1/users`,
    },
    {
      title: 'CORS preflight, answered by the router itself (204, never reaches the origin)',
      command: `curl -i -X OPTIONS -H 'Host: api.localhost' -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: POST' ${base}/v1/users`,
    },
    {
      // The copy is stored just after the first answer goes out (waitUntil): pause a moment.
      title: 'Edge cache: the same asset twice, x-cache MISS then HIT',
      command: `for i in 1 2; do curl -s -o /dev/null -D - -H 'Host: www.localhost' ${base}/assets/logo.svg | grep -i '^x-cache'; sleep 1; done`,
    },
    {
      title: 'Redirect: old.localhost moves permanently, keeping the path and query',
      command: `curl -i -H 'Host: old.localhost' '${base}/blog/post?id=7'`,
    },
    {
      title: 'Timeout: the slow route allows 2 s, the origin takes 3 s: 504 gateway_timeout',
      command: `curl -i -H 'Host: api.localhost' '${base}/slow?ms=3000'`,
    },
    {
      title: 'No route for this host: 404 no_route, as JSON',
      command: `curl -i -H 'Host: nowhere.localhost' ${base}/`,
    },
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'origin-port': { type: 'string' },
      out: { type: 'string' },
      'stats-every': { type: 'string' },
    },
  });
  const every = values['stats-every'] === undefined ? undefined : statsEvery(values['stats-every']);
  const port = portOption(values.port, 'PORT', 8787);
  const originPort = portOption(values['origin-port'], 'ORIGIN_PORT', 8788);
  if (port === originPort) throw new Error(`the router and the origin need different ports (both ${port})`);
  const outDir = values.out ?? join(projectRoot, '.wrangler/demo');

  await assertPortFree(port, 'router, --port');
  await assertPortFree(originPort, 'demo origin, --origin-port');
  const origin = await startDemoOrigin(originPort, (line) => console.log(`[origin] ${line}`));

  const file = join(projectRoot, 'demo/routes.yaml');
  const text = readFileSync(file, 'utf8').split(DEMO_FILE_ORIGIN).join(`http://127.0.0.1:${originPort}`);
  if (!buildLocalRouter(file, text, outDir, 'edge-router-demo').analysis.table) {
    await origin.close();
    throw new Error('demo/routes.yaml does not build');
  }

  console.log(`Starting the router on http://127.0.0.1:${port} (wrangler dev, local mode)...`);
  const stats = localStats();
  const router = await startWrangler({
    outDir,
    port,
    onLine: countAndEcho(stats, every),
  });

  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${localSummary(stats)}\n${why}: stopping the router and the origin...`);
    await router.stop();
    await origin.close();
    console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  router.exited.then((code) => void shutdown(`wrangler exited (${code})`, 1));

  const lines = [
    '',
    `The demo router is running on ${router.url}, in front of the demo origin on http://127.0.0.1:${origin.port}.`,
    'Routes: demo/routes.yaml. Try these in another terminal:',
    '',
    ...demoRequests(router.url).flatMap((r) => [`  # ${r.title}`, `  ${r.command}`, '']),
    `Browsers resolve *.localhost to this machine: open http://www.localhost:${port}/ too.`,
    'Each request prints a JSON log line below; Ctrl-C prints a table of them per route.',
    'Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(`npm start: ${(error as Error).message}`);
  process.exit(1);
});
