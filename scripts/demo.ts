/**
 * `npm start [-- --port N] [--staging-port N] [--origin-port N] [--out DIR] [--stats-every 30s]`:
 * the demo. Starts the demo origin (demo/origin.ts) and the real router under `wrangler dev` with
 * demo/routes.yaml, once per environment (production and staging, each its own Worker), prints
 * ready-to-paste curl lines, counts the routers' log lines per route (the table `npm run stats`
 * prints, on Ctrl-C and every --stats-every), and stops everything on Ctrl-C. Needs no internet.
 *
 * Ports: --port / PORT (production router, default 8787), --staging-port / STAGING_PORT (staging
 * router, default 8789), --origin-port / ORIGIN_PORT (default 8788).
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

/** The demo's environments, each served by its own Worker, and the prefix of its log lines. */
const ENVIRONMENTS = [
  { env: 'production', label: 'router' },
  { env: 'staging', label: 'staging' },
] as const;

/** The origin port written in demo/routes.yaml; replaced by the chosen one before building. */
const DEMO_FILE_ORIGIN = 'http://127.0.0.1:8788';

/** One thing to try: what it shows, and the shell line that shows it. */
export interface DemoRequest {
  title: string;
  command: string;
}

/**
 * The curl lines the demo prints, one per feature, for the production router on `base` and the
 * staging router on `stagingBase`.
 * @example demoRequests('http://127.0.0.1:8787', 'http://127.0.0.1:8789')[0].command // "curl -i -H 'Host: www.localhost' ..."
 */
export function demoRequests(base: string, stagingBase: string): DemoRequest[] {
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
    {
      title:
        'Staging: the same routes as another Worker, on api.staging.localhost (X-Served-By says staging)',
      command: `curl -i -H 'Host: api.staging.localhost' ${stagingBase}/v1/users`,
    },
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'staging-port': { type: 'string' },
      'origin-port': { type: 'string' },
      out: { type: 'string' },
      'stats-every': { type: 'string' },
    },
  });
  const every = values['stats-every'] === undefined ? undefined : statsEvery(values['stats-every']);
  const port = portOption(values.port, 'PORT', 8787);
  const stagingPort = portOption(values['staging-port'], 'STAGING_PORT', 8789);
  const originPort = portOption(values['origin-port'], 'ORIGIN_PORT', 8788);
  if (new Set([port, stagingPort, originPort]).size < 3)
    throw new Error(
      `the routers and the origin need three different ports (${port}, ${stagingPort}, ${originPort})`,
    );
  const outDir = values.out ?? join(projectRoot, '.wrangler/demo');

  await assertPortFree(port, 'router, --port');
  await assertPortFree(stagingPort, 'staging router, --staging-port');
  await assertPortFree(originPort, 'demo origin, --origin-port');
  const origin = await startDemoOrigin(originPort, (line) => console.log(`[origin] ${line}`));

  const file = join(projectRoot, 'demo/routes.yaml');
  const text = readFileSync(file, 'utf8').split(DEMO_FILE_ORIGIN).join(`http://127.0.0.1:${originPort}`);
  const built = ENVIRONMENTS.map(({ env }) =>
    buildLocalRouter(file, text, join(outDir, env), `edge-router-demo-${env}`, env),
  );
  if (built.some((b) => !b.analysis.table)) {
    await origin.close();
    throw new Error('demo/routes.yaml does not build');
  }

  console.log(
    `Starting the routers on http://127.0.0.1:${port} and :${stagingPort} (wrangler dev, local mode)...`,
  );
  const stats = localStats();
  const ports = { production: port, staging: stagingPort };
  const [router, staging] = await Promise.all(
    ENVIRONMENTS.map(({ env, label }) =>
      startWrangler({
        outDir: join(outDir, env),
        port: ports[env],
        // One table for both routers, printed once.
        onLine: countAndEcho(stats, env === 'production' ? every : undefined, label),
      }),
    ),
  );
  if (!router || !staging) throw new Error('the routers did not start');

  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${localSummary(stats)}\n${why}: stopping the router and the origin...`);
    await Promise.all([router.stop(), staging.stop()]);
    await origin.close();
    console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  for (const running of [router, staging])
    running.exited.then((code) => void shutdown(`wrangler exited (${code})`, 1));

  const lines = [
    '',
    `The demo router is running on ${router.url} (production) and ${staging.url} (staging),`,
    `in front of the demo origin on http://127.0.0.1:${origin.port}.`,
    'Routes: demo/routes.yaml. Try these in another terminal:',
    '',
    ...demoRequests(router.url, staging.url).flatMap((r) => [`  # ${r.title}`, `  ${r.command}`, '']),
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
