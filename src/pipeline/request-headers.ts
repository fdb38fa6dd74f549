/**
 * The request headers sent upstream: the client's, minus hop-by-hop, minus every name with a
 * character other than a letter, digit or dash, minus anything a client could use to claim an
 * address, a scheme, a host, a URL or a client certificate an origin may trust (every
 * `X-Forwarded-*` and `CF-*` by prefix, and the other spellings proxies use), plus the router's
 * own X-Forwarded-* and request id, plus the route's rules.
 */
import type { Env, Routed } from '../exchange.ts';
import type { CompiledHeaderRules } from '../table/types.ts';
import { hopByHop } from './hop-by-hop.ts';
import { namedMethods } from './method-overrides.ts';
import { neverRelayed } from './methods.ts';
import { renderTemplate } from './template.ts';

/**
 * Dropped by prefix: forwarding headers, Cloudflare's own (not the origin's business), the
 * client-certificate claims TLS-terminating proxies send (`X-SSL-Client-Verify: SUCCESS`, RFC
 * 9440's `Client-Cert`), the headers other proxies and CDNs set for the origin behind them
 * (Envoy, CloudFront, Azure Front Door, IIS ARR, AWS load balancers' mTLS and sign-in headers),
 * and the identities sign-in proxies vouch for (oauth2-proxy, Google IAP, Azure App Service). The
 * router is the first hop: nothing before it set any of them, so each one is a client's claim.
 */
const DROPPED_PREFIXES = [
  'x-forwarded-',
  'cf-',
  'x-ssl-',
  'ssl-client-',
  'client-cert',
  'x-client-cert',
  'x-envoy-',
  'cloudfront-',
  'x-azure-',
  'x-arr-',
  'x-amzn-mtls-',
  'x-amzn-oidc-',
  'x-auth-request-',
  'x-goog-authenticated-',
  'x-goog-iap-',
  'x-ms-client-principal',
];

/**
 * Dropped by name: what proxies tell origins about the connection, in the other spellings origins
 * trust. A client must not be able to claim any of it.
 */
const DROPPED = new Set([
  // The client's address.
  'forwarded',
  'x-forwarded',
  'forwarded-for',
  'x-original-forwarded-for',
  'x-real-ip',
  'true-client-ip',
  'client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-proxyuser-ip',
  'x-real-client-ip',
  'x-original-remote-addr',
  'proxy-client-ip',
  'wl-proxy-client-ip',
  'fastly-client-ip',
  'fly-client-ip',
  'x-appengine-user-ip',
  'cdn-src-ip',
  'ali-cdn-real-ip',
  // The scheme (Tornado reads X-Scheme before X-Forwarded-Proto; Jetty X-Proxied-Https).
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
  'x-proxied-https',
  'wl-proxy-ssl',
  // A rewritten URL or host.
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-host',
  'x-original-host',
  'x-http-host-override',
  // A client certificate (Jetty, IIS ARR, nginx conventions).
  'proxy-ssl-id',
  'proxy-auth-cert',
  'x-client-verify',
  'x-client-dn',
  'x-client-s-dn',
  'x-client-i-dn',
  'cdn-loop',
  // A signed-in user, as auth proxies tell the application (Grafana's auth proxy, Apache).
  'x-webauth-user',
  'remote-user',
  'x-remote-user',
  // The operator's debug token (src/pipeline/debug.ts) is for the router, never the origin.
  'x-router-debug',
  // The client's 100-continue is answered on its own connection; forwarded, the origin's interim
  // 100 came back from fetch as the final answer, and every such upload (curl sends it for large
  // bodies) got 502.
  'expect',
  // CGI servers hand it to the application as HTTP_PROXY, which HTTP clients read as their proxy
  // ("httpoxy").
  'proxy',
]);

/**
 * True for a header a client sets freely that the router drops as a claim (an address, a scheme,
 * a certificate...): keyed on one, a rate limit would give each new value a new budget. `CF-*`
 * headers are not among them: Cloudflare sets those itself.
 * @example isClientClaim('x-forwarded-for') // true
 */
export function isClientClaim(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    DROPPED.has(lower) || DROPPED_PREFIXES.some((prefix) => prefix !== 'cf-' && lower.startsWith(prefix))
  );
}

/** Method override headers: dropped where the route limits methods, so no other method slips in. */
const METHOD_OVERRIDES = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

/**
 * A header name as a CGI-style server reads it: `X_Forwarded_For` and `X-Forwarded-For` are both
 * HTTP_X_FORWARDED_FOR to Rack, PHP and WSGI servers.
 */
const dashed = (name: string): string => name.replaceAll('_', '-');

/** A header name of letters, digits and dashes only (Headers hands names over lower-cased). */
const PLAIN_NAME = /^[a-z0-9-]+$/;

/**
 * A name with any other character (`_`, `.`, `~`...) is never sent upstream, as nginx does by
 * default: CGI-style servers turn every such character into `_` (lighttpd, Apache 2.2; Rack, PHP
 * and WSGI read `-` and `_` alike), so `X_Api_Key` or `X.Api.Key` would reach the application
 * as its dashed twin and could replace or join any header the router sets, removes, drops or
 * counts (a route's `set` and `remove`, X-Request-Id, hop-by-hop names, a rate limit's key).
 * Dropping the spelling closes that for every name at once.
 */
const shadowsAnother = (name: string): boolean => !PLAIN_NAME.test(name);

/**
 * True when the request carries a method override header, in any spelling.
 * @example carriesMethodOverride(new Headers({ 'X-HTTP-Method-Override': 'DELETE' })) // true
 */
export function carriesMethodOverride(headers: Headers): boolean {
  for (const name of headers.keys()) if (METHOD_OVERRIDES.has(dashed(name))) return true;
  return false;
}

/**
 * The methods a request's override headers name, as they reach the origin (a route with
 * `methods` drops them, and names with `_` never go): an origin honouring one runs that method.
 * @example overriddenMethods(new Headers({ 'X-HTTP-Method-Override': 'post' }), route) // ['POST']
 */
export function overriddenMethods(headers: Headers, route: Routed['route']): string[] {
  if (route.methods !== null) return [];
  const overrides = [...headers.keys()].filter((name) => METHOD_OVERRIDES.has(name));
  return overrides.flatMap((name) => namedMethods(headers.get(name) ?? ''));
}

/**
 * A method override is dropped on a route that limits methods, and on every route when it names
 * a method no route relays (TRACE, TRACK, CONNECT: refused as methods, they must not come back
 * in through a framework that honours the override).
 */
function overrideDropped(source: Headers, name: string, limitsMethods: boolean): boolean {
  return limitsMethods || neverRelayed(source.get(name) ?? '');
}

/** Applies a route's header rules in place: remove, then set. */
export function applyHeaderRules(headers: Headers, rules: CompiledHeaderRules, env: Env): void {
  for (const name of rules.remove) headers.delete(name);
  for (const [name, value] of rules.set) headers.set(name, renderTemplate(value, env));
}

/**
 * A rate limit's key header goes upstream as one line holding the value the limit counted (as
 * the client spelled it; src/pipeline/rate-limit.ts counts spellings of one token alike). Sent
 * the client's header lines as they came (`X-Api-Key: K` and `X-Api-Key: other`), the limit
 * counts `K, other`, a new key each time, while an origin that reads the first line (Go, Java)
 * reads `K`: a per-key limit it never enforced.
 */
function sendAsCounted(headers: Headers, source: Headers, route: Routed['route']): void {
  for (const limit of route.rateLimits) {
    if (limit.key.kind !== 'header') continue;
    const counted = source.get(limit.key.name);
    if (counted !== null && headers.has(limit.key.name)) headers.set(limit.key.name, counted);
  }
}

/**
 * Builds the upstream request headers. Throws ConfigValueError before anything is sent when a
 * `${env.NAME}` the route needs is missing or unfit for a header.
 * @example upstreamHeaders(x, false).get('x-forwarded-for') // the CF-Connecting-IP value
 */
export function upstreamHeaders(x: Routed, websocket: boolean): Headers {
  const source = x.request.headers;
  const headers = new Headers(source);
  // One walk over the client's names deletes only what is there (each Headers call crosses into
  // the runtime; a delete per listed name cost more than the walk).
  const isHopByHop = hopByHop(source.get('connection'), websocket);
  const limitsMethods = x.route.methods !== null;
  let chunked = false;
  for (const name of source.keys()) {
    const dropped = DROPPED.has(name) || DROPPED_PREFIXES.some((prefix) => name.startsWith(prefix));
    if (
      shadowsAnother(name) ||
      isHopByHop(name) ||
      dropped ||
      (METHOD_OVERRIDES.has(name) && overrideDropped(source, name, limitsMethods))
    )
      headers.delete(name);
    if (name === 'transfer-encoding') chunked = true;
  }
  // Transfer-Encoding wins over a Content-Length sent with it, which a proxy must remove (RFC 9112
  // 6.3): the body is not that length (src/pipeline/declared-length.ts).
  if (chunked) headers.delete('content-length');
  sendAsCounted(headers, source, x.route);
  // A route with `cors` answers CORS itself and may store this answer for every Origin (with the
  // origin's `Vary: Origin`): the origin must not see the Origin, or its body could depend on it.
  if (x.forSharedCache && x.route.cors !== null) headers.delete('origin');
  if (x.clientIp) headers.set('x-forwarded-for', x.clientIp);
  headers.set('x-forwarded-proto', x.scheme);
  headers.set('x-forwarded-host', x.authority);
  headers.set('x-request-id', x.id);
  applyHeaderRules(headers, x.route.requestHeaders, x.env);
  return headers;
}
