/**
 * Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded, in
 * either direction; neither are the headers a `Connection` header names.
 */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'trailer',
  'upgrade',
];

/** A header name (RFC 9110 token): anything else in `Connection` names no header and is skipped. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Deletes hop-by-hop headers in place; `keepUpgrade` leaves Upgrade for WebSocket routes.
 * @example stripHopByHop(headers) // removes Connection: X-Secret and X-Secret
 */
export function stripHopByHop(headers: Headers, keepUpgrade = false): void {
  const named = headers.get('connection');
  if (named) {
    for (const name of named.split(',')) {
      const n = name.trim().toLowerCase();
      if (TOKEN.test(n) && !(keepUpgrade && n === 'upgrade')) headers.delete(n);
    }
  }
  for (const name of HOP_BY_HOP)
    if (!(keepUpgrade && (name === 'upgrade' || name === 'connection'))) headers.delete(name);
  headers.delete('proxy-authorization');
  headers.delete('proxy-authenticate');
}

const ALWAYS = new Set([...HOP_BY_HOP, 'proxy-authorization', 'proxy-authenticate']);

/**
 * The same rule as stripHopByHop, as a test on one header name, for a caller that already walks
 * every name (the upstream request headers: one pass instead of a delete per listed name).
 * `connection` is the message's Connection header value.
 * @example hopByHop('close, X-Secret')('x-secret') // true
 */
export function hopByHop(connection: string | null, keepUpgrade = false): (name: string) => boolean {
  const named = new Set<string>();
  for (const token of connection?.split(',') ?? []) {
    const n = token.trim().toLowerCase();
    if (TOKEN.test(n) && !(keepUpgrade && n === 'upgrade')) named.add(n);
  }
  return (name) =>
    named.has(name) || (ALWAYS.has(name) && !(keepUpgrade && (name === 'upgrade' || name === 'connection')));
}
