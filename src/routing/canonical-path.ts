/**
 * The canonical path: the one spelling of a request path that the router matches, keys the
 * cache on, logs, and sends to the origin. Computed once per request, from the pathname the
 * WHATWG URL parser produced (dot segments and `\` already resolved), in one pass:
 *
 * - every `%` must start an escape of two hex digits (a stray `%` is how `%2%65` turned into a
 *   new `%2e` after a second look);
 * - escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`) are decoded, all others kept and
 *   upper-cased; decoding an unreserved character can never create a `%`, so one pass is stable;
 * - refused: an escape that decodes to `/`, `\`, `?`, `#`, NUL or another control character; a double
 *   escape (`%25` followed by two hex digits, which an origin that decodes twice would read as a
 *   new escape); escaped bytes that are not valid UTF-8 (`%C0%AE` is `.` to a lax decoder);
 *   raw `\` or control characters; and any `.` or `..` segment left after decoding, in any
 *   spelling;
 * - repeated slashes are merged;
 * - characters outside RFC 3986 `pchar` that a URL parser may leave raw (`[ ] | ^`) are
 *   percent-encoded here, so the path does not depend on the parser's version (Node 20 leaves `^`
 *   raw, workerd encodes it), and `explain` in Node sees the path the Worker sees.
 *
 * The result is a fixed point: canonicalising it again gives it back unchanged (decoding can build
 * a new escape from parts: `%25` + `%32` + `%65` is `%252e`, so the result is checked once more).
 * It is also stable under URL parsing (as `fetch` and `new Request` do), which the upstream stage
 * checks on every request before anything is sent.
 */

export type CanonicalPath = { ok: true; path: string } | { ok: false; reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;
/** IIS's `%uXXXX` escape, after its `%`. */
const PERCENT_U = /^[uU][0-9A-Fa-f]{4}/;
const UNRESERVED = /^[A-Za-z0-9._~-]$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const RAW_UNSAFE = /[\\\u0000-\u001f\u007f]/;
/** Raw characters a URL parser may leave in a pathname that RFC 3986 `pchar` does not allow. */
const NOT_PCHAR = /[[\]|^]/;
const NOT_PCHAR_ALL = /[[\]|^]/g;
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * @example canonicalPath('/%61pi//caf%c3%a9') // { ok: true, path: '/api/caf%C3%A9' }
 * @example canonicalPath('/x/%2%65%2%65/admin') // { ok: false, reason: 'a % that does not start an escape ...' }
 */
export function canonicalPath(pathname: string): CanonicalPath {
  const once = canonicalOnce(pathname);
  if (!once.ok || !once.path.includes('%')) return once;
  // What decoding built must pass the same checks: `%25%32%65` decodes to `%252e`.
  const again = canonicalOnce(once.path);
  if (!again.ok) return again;
  return again.path === once.path ? once : refuse('escapes that decode into new escapes');
}

function canonicalOnce(pathname: string): CanonicalPath {
  if (RAW_UNSAFE.test(pathname)) return refuse('a backslash or control character');
  const decoded = pathname.includes('%') ? decodeSafe(pathname) : { ok: true as const, path: pathname };
  if (!decoded.ok) return decoded;
  const merged = decoded.path.includes('//') ? decoded.path.replace(/\/{2,}/g, '/') : decoded.path;
  if (hasDotSegment(merged)) return refuse('a . or .. segment');
  const path = NOT_PCHAR.test(merged) ? merged.replace(NOT_PCHAR_ALL, escapeChar) : merged;
  return { ok: true, path };
}

/** `[` -> `%5B`: one ASCII character as its upper-case escape. */
function escapeChar(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

const NOT_UTF8 = refuse('escapes that are not valid UTF-8');

/** Decodes unreserved escapes, keeps the others upper-cased, refuses the unsafe ones. */
function decodeSafe(pathname: string): CanonicalPath {
  let out = '';
  let highBytes: number[] = [];
  // Escaped bytes of 0x80 and up are kept as escapes; each run of them must be valid UTF-8.
  const badRun = () => highBytes.length > 0 && !validUtf8(highBytes);
  for (let i = 0; i < pathname.length; i++) {
    const char = pathname[i] as string;
    if (char !== '%') {
      if (badRun()) return NOT_UTF8;
      highBytes = [];
      out += char;
      continue;
    }
    const hex = pathname.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return refuse('a % that does not start an escape of two hex digits');
    const byte = Number.parseInt(hex, 16);
    const problem = unsafeByte(byte, pathname.slice(i + 3, i + 8));
    if (problem) return refuse(problem);
    i += 2;
    if (byte >= 0x80) {
      highBytes.push(byte);
      out += `%${hex.toUpperCase()}`;
      continue;
    }
    if (badRun()) return NOT_UTF8;
    highBytes = [];
    const decoded = String.fromCharCode(byte);
    out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
  }
  if (badRun()) return NOT_UTF8;
  return { ok: true, path: out };
}

/** Why an escaped byte is refused (`after` is the text following the escape, 5 characters), or null. */
function unsafeByte(byte: number, after: string): string | null {
  if (byte === 0x2f || byte === 0x5c) return 'an encoded slash or backslash';
  // An origin that decodes the path and then parses it (Apache's mod_rewrite did) cuts it at a
  // decoded ? or #: `/admin%3F.json` would be `/admin` there.
  if (byte === 0x3f || byte === 0x23) return 'an encoded ? or #';
  if (byte < 0x20 || byte === 0x7f) return 'an encoded control character';
  // `%25u002e` is `%u002e` to an origin that decodes once: IIS and JavaScript's unescape read
  // that as `.` again. (`%25` before other text, as in `100%25uptime`, is a plain percent sign.)
  if (byte === 0x25 && (HEX.test(after.slice(0, 2)) || PERCENT_U.test(after)))
    return 'a double-encoded escape (%25 followed by two hex digits, or by u and four)';
  return null;
}

function validUtf8(bytes: number[]): boolean {
  try {
    strict.decode(new Uint8Array(bytes));
    return true;
  } catch {
    return false;
  }
}

/** True when a segment is `.` or `..` (after decoding, so `%2e` spellings count too). */
export function hasDotSegment(path: string): boolean {
  if (!path.includes('.')) return false;
  return path.split('/').some((segment) => segment === '.' || segment === '..');
}

function refuse(what: string): CanonicalPath {
  return { ok: false, reason: `The path holds ${what}` };
}
