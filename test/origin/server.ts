/**
 * The real local HTTP origin the tests (and the demo's echo) proxy to. It reports exactly what
 * it received, so a test can assert what upstream saw, and it can misbehave on request.
 *
 *   /echo/...            JSON: method, url (path + query as received), headers, body length and sha256
 *   /status/CODE         answers CODE with a JSON body
 *   /slow?ms=N           waits N ms before the headers
 *   /bytes?n=N           streams N deterministic bytes (byte i is i % 251)
 *   /respond?h=K:V&...   answers 200 with the given response headers (repeatable)
 *   /redirect?to=URL     answers 302 with Location: URL
 *   /count/KEY           counts requests per KEY; GET /__count/KEY reads the count
 *   /sink/KEY            reads the body, counting bytes as they arrive (kept even when the upload
 *                        is cut); GET /__sink/KEY reads {seen, bytes, complete, ended}
 *   /fail-on/NAME/CODE   answers CODE on the origin named NAME, echo 200 elsewhere (?ms=N waits first)
 *   /ws                  WebSocket echo (websocket-echo.ts)
 *   /stall-on/NAME       never answers on the origin named NAME, echo 200 elsewhere
 *   /stall-mid-body?ms=N sends headers and 1 kB, pauses N ms, then the last 1 kB
 *   /odd-reason?byte=HH  answers 200 with that byte in its reason phrase
 *   /close-before-headers, /close-mid-body, /never, /bad-status-line: misbehaviours
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { websocketEcho } from './websocket-echo.ts';

export interface Origin {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** The deterministic byte pattern of /bytes, shared with tests that check a download. */
export function patternChunk(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (offset + i) % 251;
  return out;
}

/**
 * A delay before answering. The timer does not keep the process alive: the workerd suites run
 * this origin inside vitest's own process, and a router that gave up on /slow?ms=10000 after
 * its 1 s timeout must not hold the end of the test run for the other 9 s.
 */
function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Starts the origin on 127.0.0.1 (port 0 picks a free one).
 * @example const origin = await startOrigin(); fetch(`http://127.0.0.1:${origin.port}/echo/x`)
 */
export async function startOrigin(port = 0, name = 'origin'): Promise<Origin> {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    handle(req, res, counts, name).catch(() => res.destroy());
  });
  server.on('upgrade', (req, socket) => websocketEcho(req, socket, name));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
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

async function handle(req: IncomingMessage, res: ServerResponse, counts: Map<string, number>, name: string) {
  const url = new URL(req.url ?? '/', 'http://origin.invalid');
  const path = url.pathname;
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-origin-name': name, ...headers });
    res.end(JSON.stringify(body));
  };

  if (path.startsWith('/__count/'))
    return json(200, { count: counts.get(path.slice('/__count/'.length)) ?? 0 });
  if (path.startsWith('/count/')) {
    const key = path.slice('/count/'.length);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  // Misbehaviours first: they must not read the body politely.
  if (path === '/close-before-headers') return req.socket.destroy();
  if (path === '/never') return; // holds the connection open, never answers
  if (path === '/bad-status-line') {
    req.socket.end('HTTP/1.1 ABC Nonsense\r\ncontent-length: 2\r\n\r\nok');
    return;
  }
  if (path === '/odd-reason') {
    // A reason phrase holding the byte ?byte=HH (a control character, say).
    const byte = String.fromCharCode(Number.parseInt(url.searchParams.get('byte') ?? '01', 16));
    req.socket.end(
      Buffer.from(`HTTP/1.1 200 O${byte}K\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok`, 'latin1'),
    );
    return;
  }
  if (path === `/stall-on/${name}`) return; // holds the connection open, never answers
  if (path === '/stall-mid-body') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '2048' });
    res.write(patternChunk(0, 1024));
    const timer = setTimeout(
      () => res.end(patternChunk(1024, 1024)),
      Number(url.searchParams.get('ms') ?? 1000),
    );
    res.on('close', () => clearTimeout(timer));
    return;
  }
  if (path === '/close-mid-body') {
    // ?chunked: no Content-Length, so only the missing last chunk tells the body was cut.
    const declared = url.searchParams.get('size') ?? '1000000';
    const length = url.searchParams.has('chunked') ? {} : { 'content-length': declared };
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...length });
    res.write(patternChunk(0, 100_000));
    setTimeout(() => req.socket.destroy(), 50);
    return;
  }

  if (path.startsWith('/__sink/')) {
    const key = path.slice('/__sink/'.length);
    const [seen, bytes] = [counts.has(`sink:${key}`), counts.get(`sink:${key}`) ?? 0];
    const [complete, ended] = [counts.has(`sink-complete:${key}`), counts.has(`sink-ended:${key}`)];
    return json(200, { seen, bytes, complete, ended });
  }
  if (path.startsWith('/sink/')) {
    const key = path.slice('/sink/'.length);
    counts.set(`sink:${key}`, 0);
    req.on('data', (chunk: Buffer) =>
      counts.set(`sink:${key}`, (counts.get(`sink:${key}`) ?? 0) + chunk.length),
    );
    req.on('close', () => counts.set(`sink-ended:${key}`, 1));
    req.on('end', () => {
      counts.set(`sink-complete:${key}`, 1);
      json(200, { bytes: counts.get(`sink:${key}`) });
    });
    return;
  }

  // Read (and hash) the whole request body as it streams in.
  const hash = createHash('sha256');
  let bodyLength = 0;
  for await (const chunk of req) {
    hash.update(chunk as Buffer);
    bodyLength += (chunk as Buffer).length;
  }
  const echo = {
    origin: name,
    method: req.method,
    url: req.url,
    headers: req.headers,
    // As the lines arrived: two lines of one name are two entries here, one joined value above.
    rawHeaders: req.rawHeaders,
    bodyLength,
    bodySha256: hash.digest('hex'),
    count: counts.get(path.slice('/count/'.length)) ?? 0,
  };

  if (path.startsWith('/status/')) return json(Number(path.slice('/status/'.length)) || 500, echo);
  if (path.startsWith('/fail-on/')) {
    const [target, code] = path.slice('/fail-on/'.length).split('/');
    await wait(Number(url.searchParams.get('ms') ?? 0));
    return json(target === name ? Number(code) || 500 : 200, echo);
  }
  if (path === '/slow') {
    await wait(Number(url.searchParams.get('ms') ?? 1000));
    return json(200, echo);
  }
  if (path === '/redirect') {
    res.writeHead(302, { location: url.searchParams.get('to') ?? '/', 'content-type': 'text/plain' });
    return res.end('moved');
  }
  if (path === '/respond' || path.startsWith('/count/')) {
    const headers: Array<[string, string]> = url.searchParams.getAll('h').map((h) => {
      const i = h.indexOf(':');
      return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
    });
    res.writeHead(Number(url.searchParams.get('status') ?? 200), [
      ['content-type', 'application/json'],
      ['x-origin-name', name],
      ...headers,
    ]);
    return res.end(JSON.stringify(echo));
  }
  if (path === '/bytes') {
    const total = Number(url.searchParams.get('n') ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    const size = 64 * 1024;
    for (let sent = 0; sent < total; sent += size) {
      const ok = res.write(patternChunk(sent, Math.min(size, total - sent)));
      if (!ok) await new Promise((resolve) => res.once('drain', resolve));
    }
    return res.end();
  }
  return json(200, echo);
}
