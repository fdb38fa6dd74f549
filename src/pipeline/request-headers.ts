/**
 * The request headers sent upstream: the client's, minus hop-by-hop, minus anything a client
 * could use to forge its address or our own forwarding headers, plus X-Forwarded-* and the
 * request id, plus the route's rules.
 */
import type { Env, Exchange } from '../exchange.ts';
import type { CompiledHeaderRules } from '../table/types.ts';
import { stripHopByHop } from './hop-by-hop.ts';
import { renderTemplate } from './template.ts';

// Client-sent forwarding headers are dropped; CF-* are Cloudflare's own, not the origin's business.
const DROPPED = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'cf-ray',
  'cf-visitor',
  'cf-ipcountry',
  'cf-worker',
  'cf-ew-via',
  'cdn-loop',
];

/** Applies a route's header rules in place: remove, then set. */
export function applyHeaderRules(headers: Headers, rules: CompiledHeaderRules, env: Env): void {
  for (const name of rules.remove) headers.delete(name);
  for (const [name, value] of rules.set) headers.set(name, renderTemplate(value, env));
}

/**
 * Builds the upstream request headers. Throws MissingSecretError before anything is sent when a
 * `${env.NAME}` the route needs is missing.
 * @example upstreamHeaders(x, env).get('x-forwarded-for') // the CF-Connecting-IP value
 */
export function upstreamHeaders(x: Exchange, env: Env, websocket: boolean): Headers {
  const headers = new Headers(x.request.headers);
  stripHopByHop(headers, websocket);
  for (const name of DROPPED) headers.delete(name);
  if (x.clientIp) headers.set('x-forwarded-for', x.clientIp);
  headers.set('x-forwarded-proto', x.publicOrigin.slice(0, x.publicOrigin.indexOf(':')));
  headers.set('x-forwarded-host', x.publicHost);
  headers.set('x-request-id', x.id);
  if (x.matched) applyHeaderRules(headers, x.matched.requestHeaders, env);
  return headers;
}
