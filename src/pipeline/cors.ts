/**
 * CORS, owned by the route when it has a `cors` policy: preflights are answered here and never
 * reach the origin; actual responses get exactly the headers the policy allows, with
 * `Vary: Origin` whenever the answer depends on the request. The origin's own
 * Access-Control-* headers are replaced. (itty-router's cors() sends no Vary and no expose
 * headers on actual responses, so it is not used.)
 */
import type { Exchange } from '../exchange.ts';
import type { CompiledCors } from '../table/types.ts';
import { jsonError } from './errors.ts';

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/**
 * The Access-Control-Allow-Origin value for `origin`, or null when it is not allowed.
 * @example allowedOrigin(policy, 'https://app.example.com') // 'https://app.example.com'
 */
export function allowedOrigin(cors: CompiledCors, origin: string): string | null {
  if (cors.any && !cors.credentials) return '*';
  const normalized = origin.toLowerCase();
  if (cors.any || cors.exact.includes(normalized)) return origin;
  for (const { scheme, suffix } of cors.wildcards) {
    if (!normalized.startsWith(scheme) || !normalized.endsWith(suffix)) continue;
    const label = normalized.slice(scheme.length, normalized.length - suffix.length);
    if (/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(label)) return origin;
  }
  return null;
}

/** True when the requested headers (a comma list) are all allowed. */
function headersAllowed(cors: CompiledCors, requested: string[]): boolean {
  return requested.every((h) => cors.headers.includes(h) || (cors.anyHeader && h !== 'authorization'));
}

/**
 * Answers a preflight (OPTIONS + Origin + Access-Control-Request-Method): 204 with the policy's
 * headers, or 403 JSON without CORS headers. Other requests go on.
 * @example preflight(x) // 204 for an allowed origin and method
 */
export function preflight(x: Exchange): Response | undefined {
  const cors = x.matched?.cors;
  const headers = x.request.headers;
  const origin = headers.get('origin');
  const method = headers.get('access-control-request-method');
  if (!cors || x.method !== 'OPTIONS' || origin === null || method === null) return undefined;
  x.corsDone = true;
  const requested = (headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const allowOrigin = allowedOrigin(cors, origin);
  if (
    allowOrigin === null ||
    !cors.methods.includes(method.toUpperCase()) ||
    !headersAllowed(cors, requested)
  ) {
    return jsonError(x, 403, 'forbidden', 'CORS preflight refused: origin, method or headers not allowed', {
      vary: PREFLIGHT_VARY,
    });
  }
  const out = new Headers({
    'access-control-allow-origin': allowOrigin,
    'access-control-allow-methods': cors.allowMethods,
    'access-control-max-age': cors.maxAge,
    vary: PREFLIGHT_VARY,
  });
  const allowHeaders = cors.anyHeader ? requested.join(', ') : cors.allowHeaders;
  if (allowHeaders) out.set('access-control-allow-headers', allowHeaders);
  if (cors.credentials) out.set('access-control-allow-credentials', 'true');
  return new Response(null, { status: 204, headers: out });
}

/**
 * Sets CORS headers on an actual response (after the cache, so a cached copy never carries
 * another origin's headers). A `'*'` policy without credentials answers `*` to every request,
 * Origin or not, so its answer never depends on the request and needs no Vary; any other
 * policy adds `Vary: Origin` to every response, allowed or not, so no shared cache hands one
 * origin's answer to another.
 * @example corsHeaders(response, x) // ACAO https://app.example.com, Vary: Origin
 */
export function corsHeaders(response: Response, x: Exchange): void {
  const cors = x.matched?.cors;
  if (!cors || x.corsDone || response.status === 101) return;
  const headers = response.headers;
  for (const name of [...headers.keys()]) if (name.startsWith('access-control-')) headers.delete(name);
  const wildcard = cors.any && !cors.credentials;
  const origin = x.request.headers.get('origin');
  const allowOrigin = wildcard ? '*' : origin === null ? null : allowedOrigin(cors, origin);
  if (!wildcard) addVary(headers, 'Origin');
  if (allowOrigin === null) return;
  headers.set('access-control-allow-origin', allowOrigin);
  if (cors.credentials) headers.set('access-control-allow-credentials', 'true');
  if (cors.expose) headers.set('access-control-expose-headers', cors.expose);
}

/** Adds `name` to Vary once, keeping what the origin listed (`Vary: *` already covers it). */
function addVary(headers: Headers, name: string): void {
  const current = headers.get('vary');
  if (current === null || current.trim() === '') {
    headers.set('vary', name);
    return;
  }
  const listed = current.split(',').map((v) => v.trim().toLowerCase());
  if (!listed.includes(name.toLowerCase()) && !listed.includes('*'))
    headers.set('vary', `${current}, ${name}`);
}
