/**
 * How origins may read a canonical path other than as sent, so the pipeline can check that each
 * reading still belongs to the route that matched (src/pipeline/pipeline.ts). Each reading is
 * one an origin in the wild applies; combined, in this order:
 *
 * - escaped sub-delimiters decoded: `/%40scope` is `/@scope` to an origin that decodes once
 *   (the URL parser leaves `! $ & ' ( ) * + , = : @` raw, so both spellings arrive);
 * - Unicode normalisation (NFKC): fullwidth `/ａdmin` is `/admin`;
 * - `;` parameters cut from each segment, as Tomcat, Jetty and Spring do, at `%3B` as well
 *   (an origin that decodes first): `/x/..;/admin` is `/admin`;
 * - trailing dots and spaces dropped from each segment, as Windows (IIS) does: `/admin./x` is
 *   `/admin/x`, and so is an NTFS stream name (`/admin::$INDEX_ALLOCATION/x`);
 * - leading spaces dropped from each segment, as Spring MVC before 4.3 trims every path token:
 *   `/%20admin/x` is `/admin/x` (a no-break or ideographic space is one after NFKC);
 * - ASP.NET's cookieless-session tokens removed, as the .NET Framework does before routing and
 *   authorisation: `/(S(x))/admin/x` is `/admin/x`.
 *
 * Case is one more reading, of another kind: Express (by default), ASP.NET and IIS find `/ADMIN`
 * where `/admin` is. It is compared with route prefixes folded the same way
 * (`Resolver.caseInsensitive`), so a prefix written `/API` keeps its own requests.
 *
 * A reading is null when it holds what the router refuses (a dot segment, a delimiter that
 * normalising created). Most paths (ASCII, no `;`, no escaped sub-delimiter, no segment ending in
 * a dot or space) have no other reading, and cost one regex test.
 */
import { canonicalPath, hasDotSegment } from './canonical-path.ts';

/** Anything some reading could change. */
const MAY_READ_OTHERWISE = /%[89A-F]|;|%3B|%2[146789ABC]|%3[AD]|%40|\.\/|\.$|%20|:\$|\(/;

/** The single readings; an origin may apply several, in any order. */
const READS = [
  subDelimitersDecoded,
  normalized,
  withoutParameters,
  windowsTrimmed,
  spacesTrimmed,
  cookielessRemoved,
];

/**
 * Every other reading of a canonical path (the path itself left out): each single reading, and
 * each combination in any order, until no new one appears (trimming `‥.` to `‥` before
 * normalising gives `..`; the other order gives `...`).
 * @example otherReadings('/ａdmin./x') // ['/admin./x', '/%EF%BD%81dmin/x', '/admin/x'] (in some order)
 * @example otherReadings('/api/items') // []
 */
export function otherReadings(path: string): Array<string | null> {
  if (!MAY_READ_OTHERWISE.test(path)) return [];
  const readings = new Set<string | null>([path]);
  let fresh: string[] = [path];
  while (fresh.length > 0) {
    const next: string[] = [];
    for (const reading of fresh.flatMap((r) => READS.map((read) => read(r)))) {
      if (readings.has(reading)) continue;
      readings.add(reading);
      if (reading !== null) next.push(reading);
    }
    fresh = next;
  }
  readings.delete(path);
  return [...readings];
}

/** Escapes of characters a URL parser leaves raw in a path (sub-delimiters, `:` and `@`). */
const SUB_DELIMITER_ESCAPE = /%(2[146789ABC]|3[AD]|40)/gi;

/** `/%40scope` -> `/@scope`. */
export function subDelimitersDecoded(path: string): string {
  return path.replace(SUB_DELIMITER_ESCAPE, (_escape, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** An escape of a byte 0x80 or above: the path holds a character outside ASCII. */
const NON_ASCII = /%[89A-F]/;
/** Delimiters and escapes: what Unicode normalisation must not create or remove. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters count as delimiters here
const DELIMITERS = /[/\\;?#%\u0000-\u001f\u007f]/g;

/**
 * The NFKC reading: each segment with characters outside ASCII normalised (the others as sent),
 * canonical again; null when normalising creates or removes a delimiter (`／`, `；`) or leaves
 * a dot segment (`．．`).
 * @example normalized('/%EF%BD%81dmin') // '/admin'
 */
export function normalized(path: string): string | null {
  return NON_ASCII.test(path) ? segmentwise(path, normalizedSegment) : path;
}

/**
 * The path with each segment read by `read`, canonical again; null when a segment reads as
 * null or the result is not a safe path.
 */
function segmentwise(path: string, read: (segment: string) => string | null): string | null {
  const segments = path.split('/').map(read);
  if (segments.includes(null)) return null;
  const joined = segments.join('/');
  // Unchanged (`/public/日本`): already canonical, and no second pass over a long path.
  if (joined === path) return path;
  const reading = canonicalPath(joined);
  return reading.ok ? reading.path : null;
}

function normalizedSegment(segment: string): string | null {
  if (!NON_ASCII.test(segment)) return segment;
  const decoded = decodeURIComponent(segment);
  const normal = decoded.normalize('NFKC');
  if (normal === decoded) return segment;
  if (delimiters(normal) !== delimiters(decoded)) return null;
  // Sub-delimiters stay raw, as in a route prefix; canonicalPath upper-cases the rest.
  return subDelimitersDecoded(encodeURIComponent(normal));
}

function delimiters(decoded: string): string {
  return decoded.match(DELIMITERS)?.join('') ?? '';
}

/** Where a segment's parameters start: `;`, or its escape (upper-case in a canonical path). */
const PARAMETER_START = /;|%3B/i;

/** True when the path holds `;` parameters, in either spelling. */
export function hasParameters(path: string): boolean {
  return PARAMETER_START.test(path);
}

/**
 * The path with `;` parameters cut from every segment, slashes merged; null when that reading
 * holds a dot segment (`/x/..;/admin`, `/x/..%3B/admin`).
 * @example withoutParameters('/admin;jsessionid=1/panel') // '/admin/panel'
 */
export function withoutParameters(path: string): string | null {
  if (!hasParameters(path)) return path;
  const stripped = path
    .split('/')
    .map((segment) => segment.split(PARAMETER_START, 1)[0] as string)
    .join('/')
    .replace(/\/{2,}/g, '/');
  return hasDotSegment(stripped) ? null : stripped;
}

/** A segment's trailing dots and spaces (spaces are `%20` in a canonical path). */
const TRAILING_DOTS_AND_SPACES = /(?:\.|%20)+$/;
/** The NTFS streams a Windows server reads as the directory or file itself. */
const NTFS_STREAM = /(?::\$I30:\$INDEX_ALLOCATION|::\$INDEX_ALLOCATION|::\$DATA)$/i;
/** Dots and spaces only, with both (`.. ` may be `..` to Windows): spaces alone are dropped. */
const dotsWithSpace = (segment: string): boolean =>
  segment.includes('.') && segment.includes('%20') && /^(?:\.|%20)+$/.test(segment);

/**
 * The Windows reading: trailing dots and spaces, and an NTFS stream name (`::$DATA`,
 * `::$INDEX_ALLOCATION`), dropped from every segment, slashes merged; null for a segment of dots
 * and spaces that could be a dot segment (`/x/..%20/admin`).
 * @example windowsTrimmed('/admin./x') // '/admin/x'
 */
export function windowsTrimmed(path: string): string | null {
  if (!path.includes('.') && !path.includes('%20') && !path.includes(':$')) return path;
  const segments = path.split('/');
  const streamless = segments.map((segment) => segment.replace(NTFS_STREAM, ''));
  // `..::$DATA` may be `..` to Windows: as ambiguous as `.. `.
  const streamDots = streamless.some((segment, i) => segment !== segments[i] && /^\.+$/.test(segment));
  if (streamDots || streamless.some(dotsWithSpace)) return null;
  const trimmed = streamless
    .map((segment) => segment.replace(TRAILING_DOTS_AND_SPACES, ''))
    .join('/')
    .replace(/\/{2,}/g, '/');
  return trimmed === path ? path : trimmed;
}

/** A segment's leading spaces (`%20` in a canonical path). */
const LEADING_SPACES = /^(?:%20)+/;

/**
 * The Spring reading: leading spaces dropped from every segment (`trimTokens`, CVE-2016-5007;
 * trailing ones are the Windows reading's), slashes merged; null when that leaves a dot segment.
 * @example spacesTrimmed('/%20admin/x') // '/admin/x'
 */
export function spacesTrimmed(path: string): string | null {
  if (!path.includes('/%20')) return path;
  const trimmed = merged(path.split('/').map((segment) => segment.replace(LEADING_SPACES, '')));
  return hasDotSegment(trimmed) ? null : trimmed;
}

/**
 * An ASP.NET cookieless token: `(S(…))`, `(A(…))`, `(F(…))`, `(X(1)S(…))`... (any letters, any
 * case: reading more of them only ever refuses more).
 */
const COOKIELESS = /\((?:[A-Za-z]\([^()/]*\))+\)/g;

/**
 * The ASP.NET reading: cookieless-session tokens removed wherever they stand (the .NET Framework
 * strips `/(S(x))/` before routing and authorisation; some IIS versions also read `/ad(S(x))min`
 * as `/admin`), slashes merged; null when that leaves a dot segment.
 * @example cookielessRemoved('/(S(x))/admin/x') // '/admin/x'
 */
export function cookielessRemoved(path: string): string | null {
  if (!path.includes('(')) return path;
  const removed = merged(path.replace(COOKIELESS, '').split('/'));
  if (removed === path) return path;
  return hasDotSegment(removed) ? null : removed;
}

/** Segments joined again, repeated slashes merged, never empty. */
function merged(segments: string[]): string {
  return segments.join('/').replace(/\/{2,}/g, '/') || '/';
}

/** What folding may change: an upper-case letter (an escape of a byte outside ASCII has one too). */
const MAY_FOLD = /[A-Z]/;

/**
 * False when folding leaves the path as it is (most paths: one regex test).
 * @example mayFoldCase('/api/items') // false
 */
export const mayFoldCase = (path: string): boolean => MAY_FOLD.test(path);
/** Upper-case ASCII letters, and escapes, which keep their upper-case hex. */
const LETTERS_OR_ESCAPES = /%[0-9A-F]{2}|[A-Z]+/g;

/**
 * The case-insensitive reading: letters lower-cased, upper-cased and lower-cased again, so every
 * spelling any origin takes for one letter folds alike: an origin that compares upper-cased names
 * reads `ı`, `ſ` and the Kelvin sign as `i`, `s` and `k`; Java's equalsIgnoreCase reads `İ` as
 * `i` (mapped first: lower-cased, it becomes `i` and a combining dot); `ẞ` and `ß` fold to `ss`.
 * Escapes keep their hex. Null when folding creates or removes a delimiter.
 * @example caseFolded('/ADMIN/Panel') // '/admin/panel'
 */
export function caseFolded(path: string): string | null {
  return mayFoldCase(path) ? segmentwise(path, foldedSegment) : path;
}

function foldedSegment(segment: string): string | null {
  if (!NON_ASCII.test(segment))
    return segment.replace(LETTERS_OR_ESCAPES, (run) => (run.startsWith('%') ? run : run.toLowerCase()));
  const decoded = decodeURIComponent(segment);
  const folded = decoded
    .replace(/\u0130/g, 'i')
    .toLowerCase()
    .toUpperCase()
    .toLowerCase();
  if (folded === decoded) return segment;
  if (delimiters(folded) !== delimiters(decoded)) return null;
  return subDelimitersDecoded(encodeURIComponent(folded));
}
