/**
 * CORS, owned by the route when it has a `cors` policy: preflights are answered here and never
 * reach the origin; every other response after routing gets exactly the headers the policy
 * allows, with `Vary: Origin` whenever the answer depends on the request, and the origin's own
 * Access-Control-* headers replaced. (itty-router's cors() sends no Vary and no expose headers
 * on actual responses, so it is not used.)
 *
 * Two stages share one decision: `corsResponses` wraps everything after routing (a 403 from the
 * access rules or a 429 is readable by the page too), `corsPreflight` answers after the access
 * rules and rate limits, as the pipeline order says.
 */
import type { Routed } from '../exchange.ts';
import type { CompiledCors, CompiledRoute } from '../table/types.ts';
import { type Answer, jsonError, routerAnswer } from './answer.ts';
import type { StageFactory } from './stage.ts';

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

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
    if (LABEL.test(normalized.slice(scheme.length, normalized.length - suffix.length))) return origin;
  }
  return null;
}

/**
 * The headers a CORS policy owns. On a route with a policy the origin's own are dropped as its
 * response is built (src/pipeline/response-headers.ts), the router's answers carry none, and
 * `corsResponses` drops any that a stored copy or the route's header rules bring back.
 * @example isCorsHeader('access-control-allow-origin') // true
 */
export function isCorsHeader(name: string): boolean {
  return name.startsWith('access-control-');
}

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(request: Request): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.has('origin') &&
    request.headers.has('access-control-request-method')
  );
}

export interface PreflightDecision {
  origin: string;
  method: string;
  /** Requested headers, lower-case. */
  headers: string[];
  /** The ACAO value, or null when the origin is not allowed. */
  allowOrigin: string | null;
  methodAllowed: boolean;
  headersAllowed: boolean;
  allowed: boolean;
}

/**
 * The one preflight decision, shared by the Worker and `explain`.
 * @example preflightDecision(policy, request).allowed // true for an allowed origin, method and headers
 */
export function preflightDecision(cors: CompiledCors, request: Request): PreflightDecision {
  const origin = request.headers.get('origin') ?? '';
  const method = (request.headers.get('access-control-request-method') ?? '').toUpperCase();
  const headers = (request.headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const allowOrigin = allowedOrigin(cors, origin);
  const methodAllowed = cors.methods.includes(method);
  const headersAllowed = headers.every(
    (h) => cors.headers.includes(h) || (cors.anyHeader && h !== 'authorization'),
  );
  const allowed = allowOrigin !== null && methodAllowed && headersAllowed;
  return { origin, method, headers, allowOrigin, methodAllowed, headersAllowed, allowed };
}

/** Answers preflights: 204 with the policy's headers, or 403 JSON without CORS headers. */
export const corsPreflight: StageFactory = (route) => {
  const cors = route.cors;
  if (!cors) return null;
  return (x, next) => {
    if (!isPreflight(x.request)) return next(x);
    const decision = preflightDecision(cors, x.request);
    if (!decision.allowed) {
      const message = 'CORS preflight refused: origin, method or headers not allowed';
      return jsonError(x, 'CORS preflight', 403, 'forbidden', message, { vary: PREFLIGHT_VARY });
    }
    const headers = new Headers({
      'access-control-allow-origin': decision.allowOrigin as string,
      'access-control-allow-methods': cors.allowMethods,
      'access-control-max-age': cors.maxAge,
      vary: PREFLIGHT_VARY,
    });
    const allowHeaders = cors.anyHeader ? decision.headers.join(', ') : cors.allowHeaders;
    if (allowHeaders) headers.set('access-control-allow-headers', allowHeaders);
    if (cors.credentials) headers.set('access-control-allow-credentials', 'true');
    return routerAnswer('CORS preflight', new Response(null, { status: 204, headers }));
  };
};

/**
 * Sets the CORS headers of every answer after routing but preflights and WebSocket upgrades
 * (after the cache, so a stored copy never carries another origin's headers). A `'*'` policy
 * without credentials answers `*` to every request, Origin or not, so it needs no Vary; any other
 * policy adds `Vary: Origin` to every response, allowed or not.
 */
export const corsResponses: StageFactory = (route) => {
  const decorate = corsDecorator(route);
  return decorate && (async (x, next) => decorate(x, await next(x)));
};

/**
 * The second half of corsResponses on its own, for the answers the pipeline makes around the
 * route's chain (a path refused after routing, a stage that failed): null without a policy.
 * @example corsDecorator(route)?.(x, jsonError(x, 'path safety', 400, 'bad_request', why))
 */
export function corsDecorator(route: CompiledRoute): ((x: Routed, answer: Answer) => Answer) | null {
  const cors = route.cors;
  if (!cors) return null;
  const wildcard = cors.any && !cors.credentials;
  // The route's own response rules (or the defaults') may set Access-Control-* after the origin's
  // were dropped: the policy replaces those too.
  const rulesSetCors = route.responseHeaders.set.some(([name]) => isCorsHeader(name));
  return (x, answer) => {
    if (answer.router?.stage === 'CORS preflight' || answer.response.status === 101) return answer;
    const headers = answer.response.headers;
    // A stored copy may predate that rule, or come from a route whose policy was added since.
    if (rulesSetCors || answer.cache === 'HIT')
      for (const name of [...headers.keys()]) if (isCorsHeader(name)) headers.delete(name);
    const origin = wildcard ? null : x.request.headers.get('origin');
    const allowOrigin = wildcard ? '*' : origin === null ? null : allowedOrigin(cors, origin);
    if (!wildcard) addVary(headers, 'Origin');
    if (allowOrigin === null) return answer;
    headers.set('access-control-allow-origin', allowOrigin);
    if (cors.credentials) headers.set('access-control-allow-credentials', 'true');
    if (cors.expose) headers.set('access-control-expose-headers', cors.expose);
    return answer;
  };
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
