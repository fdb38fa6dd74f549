/**
 * The real stack the browser test talks to: the local echo origin, a tiny page server, and the
 * router built from test/browser/routes.yaml running under `wrangler dev`. The table is built
 * into test/.generated/ (git-ignored) with its own entry and wrangler config, so the shipped
 * build in src/generated/ is never touched. Everything listens on 127.0.0.1 only.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join, relative, resolve, sep } from 'node:path';
import { main as build } from '../../scripts/build.ts';
import { renderEntryModule } from '../../scripts/compiler/emit.ts';
import { OFFLINE_ENV, wranglerArgs } from '../../scripts/serve/local-router.ts';
import { startServer } from '../../scripts/serve/server-process.ts';
import { runCommand } from '../cli/in-process.ts';
import { type Origin, startOrigin } from '../origin/server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const HERE = resolve(import.meta.dirname);

export interface Stack {
  routerPort: number;
  origin: Origin;
  /** Everything wrangler printed, for failure messages. */
  log(): string;
  /** Stops every process and server this stack started and removes its build folder. */
  stop(): Promise<void>;
}

/** Ports already given out: each is free when picked, but may not be bound yet. */
const handedOut = new Set<number>();

/**
 * A free port below the kernel's ephemeral range (32768 and up). Other suites probe "a port
 * that was free a moment ago and is now closed" from that range; a listener of ours taken from
 * it could land on such a port while they run in parallel.
 * @example const port = await freePort();
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    const server = createNetServer();
    const bound = await new Promise<boolean>((done) => {
      server.once('error', () => done(false));
      server.listen(port, '127.0.0.1', () => done(true));
    });
    if (!bound) continue;
    await new Promise((done) => server.close(done));
    handedOut.add(port);
    return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

/** Serves test/browser/page.html at every path. */
async function startPageServer(port: number): Promise<Server> {
  const html = readFileSync(join(HERE, 'page.html'));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return server;
}

/** One GET to the router on 127.0.0.1 with a chosen Host; resolves with the status and headers. */
function probe(port: number, host: string): Promise<{ status: number; requestId: string | undefined }> {
  return new Promise((done, fail) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/__ready', headers: { host }, timeout: 5_000 },
      (res) => {
        res.resume();
        done({ status: res.statusCode ?? 0, requestId: res.headers['x-request-id'] as string | undefined });
      },
    );
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', fail);
    req.end();
  });
}

/**
 * Builds the test route table and starts origin, page server and `wrangler dev`; resolves once
 * the Worker answers. On any failure it stops what it started before rethrowing.
 * @example const stack = await startStack(); try { ... } finally { await stack.stop(); }
 */
export async function startStack(readyTimeoutMs = 180_000): Promise<Stack> {
  const started: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
  };
  let output = '';
  try {
    const origin = await startOrigin(await freePort(), 'browser-origin');
    started.push(() => origin.close());
    const page = await startPageServer(await freePort());
    started.push(() => new Promise<void>((done) => page.close(() => done())));
    const pagePort = (page.address() as { port: number }).port;
    const routerPort = await freePort();
    const inspectorPort = await freePort();

    const dir = join(ROOT, 'test/.generated', `browser-${process.pid}-${routerPort}`);
    mkdirSync(dir, { recursive: true });
    started.push(async () => rmSync(dir, { recursive: true, force: true }));
    const routes = readFileSync(join(HERE, 'routes.yaml'), 'utf8')
      .replaceAll('__ROUTER_PORT__', String(routerPort))
      .replaceAll('__ORIGIN_PORT__', String(origin.port))
      .replaceAll('__PAGE_PORT__', String(pagePort));
    writeFileSync(join(dir, 'routes.yaml'), routes);
    // `npm run build`'s own main, in this process.
    const built = await runCommand(build, [join(dir, 'routes.yaml'), '--out', dir], { cwd: ROOT });
    if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
    const src = relative(dir, join(ROOT, 'src')).split(sep).join('/');
    writeFileSync(join(dir, 'index.ts'), renderEntryModule(src, 'Entry for the browser test.'));
    // Our own config for `wrangler dev`: the build's wrangler.json is the deploy config.
    writeFileSync(
      join(dir, 'wrangler-dev.toml'),
      'name = "edge-router-browser-test"\nmain = "index.ts"\ncompatibility_date = "2026-05-01"\n',
    );

    const wrangler = await startServer({
      name: 'wrangler dev',
      command: process.execPath,
      args: [
        ...wranglerArgs(),
        'dev',
        '--config',
        join(dir, 'wrangler-dev.toml'),
        '--local',
        '--ip',
        '127.0.0.1',
        '--port',
        String(routerPort),
        '--inspector-ip',
        '127.0.0.1',
        '--inspector-port',
        String(inspectorPort),
        '--persist-to',
        join(dir, 'state'),
        '--show-interactive-dev-session=false',
        '--live-reload=false',
        '--log-level',
        'warn',
      ],
      cwd: ROOT,
      env: { ...process.env, ...OFFLINE_ENV, WRANGLER_REGISTRY_PATH: join(dir, 'registry'), CI: 'true' },
      // Ready when the Worker itself answers (it sets x-request-id), not merely when a port opens.
      ready: async () =>
        Boolean((await probe(routerPort, 'api.localhost').catch(() => undefined))?.requestId),
      // In dev mode a failed bundle leaves wrangler waiting for a file change: fail now.
      failure: /Build failed/,
      onLine: (line) => {
        output += `${line}\n`;
      },
      readyTimeoutMs,
    });
    started.push(() => wrangler.stop());

    return { routerPort, origin, log: () => output, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
