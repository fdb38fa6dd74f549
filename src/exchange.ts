/**
 * One request's journey through the pipeline: the client's request, what the stages learned
 * about it, and what the log line reports. itty-router passes it from stage to stage (it needs
 * only `method` and `url`).
 */
import { normalizeHost } from './routing/host.ts';
import type { CompiledRoute } from './table/types.ts';

export type CacheResult = 'HIT' | 'MISS' | 'BYPASS';

/** Bindings and vars: rate-limit bindings and the values `${env.NAME}` reads. */
export type Env = Record<string, unknown>;

export interface Exchange {
  /** For itty-router: the method and the normalised URL. */
  method: string;
  url: string;
  request: Request;
  id: string;
  startedAt: number;
  /** Public scheme and host as the client addressed them (`https://api.example.com`). */
  publicOrigin: string;
  /** Host header as sent (port included), for X-Forwarded-Host. */
  publicHost: string;
  /** Normalised host used for routing. */
  host: string;
  /** Normalised path (dot segments resolved, slashes merged). */
  path: string;
  /** The query string exactly as sent, with its `?`, or ''. */
  search: string;
  /** CF-Connecting-IP, or '' when absent (local runs). */
  clientIp: string;
  /** The matched route (not `route`: itty-router writes its pattern there). */
  matched?: CompiledRoute;
  cache: CacheResult;
  /** Set when the response came from the router itself (preflight, error, redirect). */
  errorCode?: string;
  originStatus?: number;
  /** The origin that answered, and how many tries it took. */
  answeredBy?: string;
  tries: number;
  /** True for responses whose CORS headers are final (preflight answers). */
  corsDone?: boolean;
  /** The body to send upstream: the client's stream, or a counted one under max_body. */
  body: ReadableStream | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Starts an exchange for an incoming request; keeps a well-formed `x-request-id`.
 * @example createExchange(new Request('https://api.example.com/x?q=1')).search // '?q=1'
 */
export function createExchange(request: Request): Exchange {
  const url = new URL(request.url);
  const incomingId = request.headers.get('x-request-id');
  // The query as sent, byte for byte (url.search drops a bare `?`); a `?` inside the fragment is not one.
  const hash = request.url.indexOf('#');
  const beforeHash = hash === -1 ? request.url : request.url.slice(0, hash);
  const query = beforeHash.indexOf('?');
  return {
    method: request.method,
    url: request.url,
    request,
    id: incomingId && REQUEST_ID.test(incomingId) ? incomingId : crypto.randomUUID(),
    startedAt: Date.now(),
    publicOrigin: url.origin,
    publicHost: url.host,
    host: normalizeHost(url.hostname),
    path: url.pathname,
    search: query === -1 ? '' : beforeHash.slice(query),
    clientIp: request.headers.get('cf-connecting-ip') ?? '',
    cache: 'BYPASS',
    tries: 0,
    body: request.body,
  };
}
