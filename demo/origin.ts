/**
 * The demo origin: a small HTTP server the demo routes proxy to, so `npm start` works with no
 * internet. It answers:
 *
 *   /echo/...        JSON: the method, path, query and headers it received (what the router sent)
 *   /api/users       a JSON API: GET lists users, POST adds one (JSON body {name})
 *   /api/users/ID    GET one user, or 404
 *   /assets/...      a small SVG with Cache-Control: public, max-age=60 (cacheable at the edge)
 *   /slow?ms=N       waits N ms (at most 30 s) before answering
 *
 * Anything else is 404 JSON. It keeps its users in memory: a restart resets them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoOrigin {
  server: Server;
  port: number;
  close(): Promise<void>;
}

interface User {
  id: number;
  name: string;
}

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <rect width="64" height="64" rx="12" fill="#f38020"/>
  <path d="M16 40h32M16 24h20m-4-8 8 8-8 8" stroke="#fff" stroke-width="5" fill="none"/>
</svg>
`;

/**
 * Starts the demo origin on 127.0.0.1 (port 0 picks a free port).
 * @example const origin = await startDemoOrigin(8788, (line) => console.log(line));
 */
export async function startDemoOrigin(
  port: number,
  log: (line: string) => void = () => {},
): Promise<DemoOrigin> {
  const users: User[] = [
    { id: 1, name: 'Ada Lovelace' },
    { id: 2, name: 'Grace Hopper' },
  ];
  let assetHits = 0;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin.invalid');
    res.on('finish', () => log(`${req.method} ${url.pathname}${url.search} -> ${res.statusCode}`));
    handle(req, res, url).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };

    if (path === '/echo' || path.startsWith('/echo/')) {
      const body = await readBody(req);
      return json(200, {
        origin: 'demo origin',
        method: req.method,
        path: path.slice('/echo'.length) || '/',
        query: url.search,
        headers: req.headers,
        body_bytes: body.length,
      });
    }

    if (path === '/api/users') {
      if (req.method === 'POST') {
        const body = await readBody(req);
        let name: unknown;
        try {
          name = (JSON.parse(body.toString('utf8')) as { name?: unknown }).name;
        } catch {
          name = undefined;
        }
        if (typeof name !== 'string' || name === '') {
          return json(400, { error: 'bad_request', message: 'Send JSON like {"name": "Ada"}' });
        }
        const user = { id: users.length + 1, name };
        users.push(user);
        return json(201, user, { location: `/api/users/${user.id}` });
      }
      return json(200, { users });
    }
    const one = /^\/api\/users\/(\d+)$/.exec(path);
    if (one) {
      const user = users.find((u) => u.id === Number(one[1]));
      return user ? json(200, user) : json(404, { error: 'not_found', message: `No user ${one[1]}` });
    }

    if (path.startsWith('/assets/')) {
      assetHits++;
      res.writeHead(200, {
        'content-type': 'image/svg+xml',
        'cache-control': 'public, max-age=60',
        // How many times the origin itself served an asset: a cache HIT does not move it.
        'x-origin-served': String(assetHits),
      });
      res.end(req.method === 'HEAD' ? undefined : LOGO);
      return;
    }

    if (path === '/slow') {
      const ms = Math.min(Math.max(Number(url.searchParams.get('ms') ?? '1000') || 0, 0), 30_000);
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (res.destroyed) return;
      return json(200, { waited_ms: ms });
    }

    return json(404, { error: 'not_found', message: `The demo origin has nothing at ${path}` });
  }

  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
