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

const ALWAYS = new Set([...HOP_BY_HOP, 'proxy-authorization', 'proxy-authenticate']);
// The fixed part of the rule, made once: all of it for a message without a Connection header.
const ALWAYS_TEST = (name: string) => ALWAYS.has(name);
const ALWAYS_BUT_UPGRADE = (name: string) => ALWAYS.has(name) && name !== 'upgrade' && name !== 'connection';

/**
 * The hop-by-hop rule as a test on one header name, for a caller that walks every name once
 * (each Headers call crosses into the runtime: one pass costs less than a delete per listed name).
 * `connection` is the message's Connection header value.
 * @example hopByHop('close, X-Secret')('x-secret') // true
 */
export function hopByHop(connection: string | null, keepUpgrade = false): (name: string) => boolean {
  const always = keepUpgrade ? ALWAYS_BUT_UPGRADE : ALWAYS_TEST;
  if (!connection) return always;
  const named = new Set<string>();
  for (const token of connection.split(',')) {
    const n = token.trim().toLowerCase();
    if (TOKEN.test(n) && !(keepUpgrade && n === 'upgrade')) named.add(n);
  }
  return (name) => named.has(name) || always(name);
}
