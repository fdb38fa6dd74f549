/**
 * Path safety. The URL parser has already resolved dot segments (`..`, `%2e%2e`) and turned `\`
 * into `/`. What is left that could mean two things to two servers is refused, and the rest is
 * normalised so the path the router matches is the path the origin receives:
 *
 * - refused (400): an encoded slash or backslash (`%2F`, `%5C`), NUL and other control
 *   characters (raw or encoded), a raw backslash, and any dot segment still present (a runtime
 *   that kept one would let `/public/../admin` match `/public` and reach `/admin`);
 * - normalised (RFC 3986 6.2.2): percent-encoded unreserved characters are decoded (`/%61dmin`
 *   is `/admin`, so it cannot slip past an `/admin` route to an origin that decodes it), other
 *   escapes are upper-cased, and repeated slashes are merged.
 */
import type { Exchange } from '../exchange.ts';
import { jsonError } from './errors.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const UNSAFE = /%(2f|5c|0[0-9a-f]|1[0-9a-f]|7f)|[\\\u0000-\u001f\u007f]/i;
const ESCAPE = /%[0-9a-f]{2}/gi;
const UNRESERVED = /[A-Za-z0-9._~-]/;
const DOT_SEGMENT = /\/\.{1,2}(?:\/|$)/;

/**
 * @example pathSafety(x) // 400 bad_request for /public%2F..%2Fadmin; undefined to go on
 */
export function pathSafety(x: Exchange): Response | undefined {
  if (UNSAFE.test(x.path)) {
    return jsonError(
      x,
      400,
      'bad_request',
      'The path holds an encoded slash, backslash or control character',
    );
  }
  let path = normalizeEscapes(x.path);
  if (path.includes('//')) path = path.replace(/\/{2,}/g, '/');
  if (DOT_SEGMENT.test(path)) return jsonError(x, 400, 'bad_request', 'The path holds a . or .. segment');
  x.path = path;
  return undefined;
}

/**
 * Percent-encoding normalisation (RFC 3986 6.2.2.1-2): escaped unreserved characters decoded,
 * other escapes upper-cased. Exported so route prefixes can be normalised the same way.
 * @example normalizeEscapes('/%61pi/caf%c3%a9') // '/api/caf%C3%A9'
 */
export function normalizeEscapes(path: string): string {
  return path.includes('%') ? path.replace(ESCAPE, normalizeEscape) : path;
}

/** `%61` -> `a` (unreserved), `%c3` -> `%C3` (kept, upper-cased). */
function normalizeEscape(encoded: string): string {
  const char = String.fromCharCode(Number.parseInt(encoded.slice(1), 16));
  return UNRESERVED.test(char) ? char : encoded.toUpperCase();
}
