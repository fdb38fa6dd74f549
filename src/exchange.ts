/**
 * One request as the router sees it: the client's request and its canonical parts, computed
 * once when it arrives. The route match, the cache key, the upstream URL, the log line,
 * `explain` and route tests are all derived from these values, never from the raw URL again.
 */
import { canonicalPath } from './routing/canonical-path.ts';
import { canonicalAuthority, normalizeHost } from './routing/host.ts';
import type { CompiledRoute } from './table/types.ts';

/** Bindings, vars and secrets: rate-limit bindings and the values `${env.NAME}` reads. */
export type Env = Record<string, unknown>;

export interface Exchange {
  request: Request;
  method: string;
  id: string;
  startedAt: number;
  /** `http` or `https`, as the client used it. */
  scheme: string;
  /** The host for routing: lower-case, no port, no trailing dot. */
  host: string;
  /** The public host in its one spelling: `host`, plus the port when it is not the default. */
  authority: string;
  /** The canonical path (src/routing/canonical-path.ts), or the parsed one when it was refused. */
  path: string;
  /** Why the path is refused (answered 400 before routing), or null. */
  unsafePath: string | null;
  /** The query string exactly as sent, with its `?`, or ''. */
  search: string;
  /** CF-Connecting-IP, or '' when absent (local runs). */
  clientIp: string;
  /** The body to send upstream: the client's stream, or one a stage wrapped (body limit). */
  body: ReadableStream | null;
  /** Aborts the upstream fetch when the upload is cut (set by the body-limit stage), or null. */
  uploadCut: AbortSignal | null;
  /**
   * True when the answer may be stored and served to every client (set by the cache stage on a
   * miss): the upstream request then leaves out what a shared copy must not depend on.
   */
  forSharedCache: boolean;
  env: Env;
  ctx: ExecutionContext;
}

/** An exchange whose route is known: every stage after routing gets one. */
export interface Routed extends Exchange {
  route: CompiledRoute;
  /** The host index key that matched: the exact host, or `*.parent` for a wildcard. */
  hostKey: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Starts an exchange for an incoming request; keeps a well-formed `x-request-id`.
 * @example createExchange(new Request('https://API.example.com./a//b?q=1'), env, ctx).path // '/a/b'
 */
export function createExchange(request: Request, env: Env, ctx: ExecutionContext): Exchange {
  const url = new URL(request.url);
  const incomingId = request.headers.get('x-request-id');
  const canonical = canonicalPath(url.pathname);
  const host = normalizeHost(url.hostname);
  return {
    request,
    method: request.method,
    id: incomingId && REQUEST_ID.test(incomingId) ? incomingId : crypto.randomUUID(),
    startedAt: Date.now(),
    scheme: url.protocol.slice(0, -1),
    host,
    authority: canonicalAuthority(host, url.port),
    path: canonical.ok ? canonical.path : url.pathname,
    unsafePath: canonical.ok ? null : canonical.reason,
    search: rawQuery(request.url),
    clientIp: request.headers.get('cf-connecting-ip') ?? '',
    body: request.body,
    uploadCut: null,
    forSharedCache: false,
    env,
    ctx,
  };
}

/** The query as sent, byte for byte (url.search drops a bare `?`); a `?` in the fragment is not one. */
function rawQuery(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const query = beforeHash.indexOf('?');
  return query === -1 ? '' : beforeHash.slice(query);
}
