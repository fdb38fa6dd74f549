/**
 * The benchmark origin: fixed responses so every target does the same work.
 *   GET /small      1 KiB JSON            GET /large    1 MiB body
 *   GET /stream?n=N N bytes, streamed     POST /sink    reads and counts the body
 * Every answer says `cache-control: no-store`, so the seed and the router both take the full
 * proxy path on every request (a cache HIT would measure the Cache API, not the router).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const SMALL = Buffer.from(JSON.stringify({ ok: true, pad: 'x'.repeat(1000) }));
const LARGE = Buffer.alloc(1024 * 1024, 97);
const CHUNK = Buffer.alloc(256 * 1024, 98);

/** Starts the origin on a free loopback port. */
export async function startBenchOrigin(): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://bench.invalid');
    if (req.method === 'POST') {
      let bytes = 0;
      for await (const chunk of req) bytes += (chunk as Buffer).length;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify({ bytes }));
    }
    if (url.pathname === '/stream') {
      const total = Number(url.searchParams.get('n') ?? 0);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
      for (let sent = 0; sent < total; sent += CHUNK.length) {
        if (!res.write(sent + CHUNK.length <= total ? CHUNK : CHUNK.subarray(0, total - sent))) {
          await new Promise((resolve) => res.once('drain', resolve));
        }
      }
      return res.end();
    }
    const body = url.pathname === '/large' ? LARGE : SMALL;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
      'cache-control': 'no-store',
    });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
