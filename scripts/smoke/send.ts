/**
 * One real HTTP request for a smoke case, with full control of what goes on the wire: the path
 * byte for byte (no URL normalisation, so `%2F` reaches the router as written), any Host header
 * (fetch cannot set Host; a local `wrangler dev` routes on it), redirects never followed.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

export interface SendOptions {
  /** Where the request is sent: scheme, host and port (the path comes from `path`). */
  target: URL;
  /** Path and query exactly as they go on the request line. */
  path: string;
  method: string;
  headers: Array<[string, string]>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Bodies are read for error codes only: more than this is cut. */
const MAX_BODY = 256 * 1024;

/**
 * Sends one request and reads the answer (status, headers, up to 256 KiB of body).
 * @example await send({ target: new URL('http://127.0.0.1:8787'), path: '/x', method: 'GET', headers: [['host', 'api.example.com']], timeoutMs: 10_000 })
 */
export function send(options: SendOptions): Promise<HttpAnswer> {
  const { target } = options;
  const secure = target.protocol === 'https:';
  const host = options.headers.find(([name]) => name.toLowerCase() === 'host')?.[1];
  // Headers given as a list, Node adds no Host of its own: without one no server routes the request.
  const headers = host === undefined ? [['host', target.host], ...options.headers] : options.headers;
  return new Promise((done, fail) => {
    const req = (secure ? httpsRequest : httpRequest)(
      {
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: Number(target.port) || (secure ? 443 : 80),
        path: options.path,
        method: options.method,
        headers: headers.flat(),
        // TLS names the host the case is about, not the address it is sent to.
        servername: secure ? (host ?? target.hostname).replace(/:\d+$/, '').replace(/\.$/, '') : undefined,
        timeout: options.timeoutMs,
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : [value ?? '']) headers.append(name, v);
          }
          done({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', fail);
    req.end();
  });
}
