/**
 * A local stand-in of Cloudflare's edge for the Workers the API stand-in holds: a real HTTP server
 * that picks the Worker by the request's Host (custom domain, else zone route), picks the version
 * the way the edge does (a `Cloudflare-Workers-Version-Overrides` pin for a version in the current
 * deployment, else the deployment; unpinned traffic goes to the larger share, where the real edge
 * splits at random) and runs the uploaded bundle of that version in workerd (miniflare), with its
 * vars, rate limits, version metadata and the Worker's secrets. So a smoke test against it runs
 * the very code wrangler uploaded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Miniflare } from 'miniflare4';
import type { CloudflareState, StoredVersion, StoredWorker } from './cloudflare-state.ts';

export interface EdgeStandIn {
  /** http://127.0.0.1:PORT: send requests here with the public Host header. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the edge stand-in over the API stand-in's state.
 * @example const edge = await startEdgeStandIn(state); // then GET edge.url with Host: api.example.com
 */
export async function startEdgeStandIn(state: CloudflareState): Promise<EdgeStandIn> {
  const running = new Map<string, Promise<Miniflare>>();
  const server: Server = createServer((req, res) => {
    serve(state, running, req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`edge stand-in: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await Promise.all([...running.values()].map(async (mf) => (await mf).dispose()));
    },
  };
}

async function serve(
  state: CloudflareState,
  running: Map<string, Promise<Miniflare>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
  const worker = state.workerForHost(host);
  const override = req.headers['cloudflare-workers-version-overrides'];
  const version = worker && state.versionFor(worker, typeof override === 'string' ? override : null);
  if (!worker || !version) {
    // What a visitor sees for a name no Worker serves here.
    res.writeHead(530, { 'content-type': 'text/plain' });
    res.end(`no Worker serves ${host}`);
    return;
  }
  let mf = running.get(version.id);
  if (!mf) {
    mf = startVersion(worker, version);
    running.set(version.id, mf);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'host' || name === 'cloudflare-workers-version-overrides' || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const answer = await (await mf).dispatchFetch(`https://${req.headers.host}${req.url ?? '/'}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    duplex: hasBody ? 'half' : undefined,
    redirect: 'manual',
  } as unknown as Parameters<Miniflare['dispatchFetch']>[1]);
  res.writeHead(answer.status, Object.fromEntries(answer.headers));
  if (answer.body) for await (const chunk of answer.body) res.write(chunk);
  res.end();
}

/** One uploaded version in workerd, with the bindings its metadata declares. */
async function startVersion(worker: StoredWorker, version: StoredVersion): Promise<Miniflare> {
  const bindings: Record<string, unknown> = Object.fromEntries(worker.secrets);
  const ratelimits: Record<string, { simple: { limit: number; period: number } }> = {};
  for (const binding of version.bindings) {
    if (binding.type === 'plain_text' || binding.type === 'secret_text')
      bindings[binding.name] = binding.text;
    else if (binding.type === 'json') bindings[binding.name] = binding.json;
    else if (binding.type === 'version_metadata') {
      bindings[binding.name] = {
        id: version.id,
        tag: version.annotations['workers/tag'] ?? '',
        timestamp: version.created_on,
      };
    } else if (binding.type === 'ratelimit' && binding.simple)
      ratelimits[binding.name] = { simple: binding.simple };
  }
  const mf = new Miniflare({
    // The main module first: miniflare runs the first module as the entry.
    modules: [...version.modules]
      .sort((a) => (a.name === version.mainModule ? -1 : 1))
      .map((m) => ({
        type: m.type.includes('module') ? ('ESModule' as const) : ('Text' as const),
        path: `/stand-in/${m.name}`,
        contents: m.contents,
      })),
    modulesRoot: '/stand-in',
    compatibilityDate: version.compatibilityDate,
    compatibilityFlags: version.compatibilityFlags,
    bindings: bindings as Record<string, string>,
    ratelimits,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.resume();
      stderr.resume();
    },
  });
  await mf.ready;
  return mf;
}
