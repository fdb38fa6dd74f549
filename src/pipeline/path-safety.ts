/**
 * Path safety: the URL parser has already resolved dot segments (`..`, `%2e%2e`) and turned `\`
 * into `/`; what is left that could mean two things to two servers is refused, and repeated
 * slashes are merged so the origin receives exactly the path that was matched.
 */
import type { Exchange } from '../exchange.ts';
import { jsonError } from './errors.ts';

// Encoded slash, backslash, NUL and other control characters; a raw backslash or control
// character cannot survive URL parsing, but is refused too should a runtime keep one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const UNSAFE = /%(2f|5c|0[0-9a-f]|1[0-9a-f]|7f)|[\\\u0000-\u001f\u007f]/i;

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
  if (x.path.includes('//')) x.path = x.path.replace(/\/{2,}/g, '/');
  return undefined;
}
