/**
 * Parsers for the small value languages inside routes.yaml: durations, sizes, hostnames,
 * origin URLs, CORS origin patterns, CIDRs and `${env.NAME}` templates.
 *
 * Each returns either a value or an error message (never throws), so `check` can report every
 * bad value at once and `compile` can trust values that `check` accepted.
 */
import { parseIp } from '../../src/pipeline/ip.ts';
import { NOT_IN_A_HEADER, OUTSIDE_HEADER_TEXT } from '../../src/pipeline/template.ts';
import { canonicalPath } from '../../src/routing/canonical-path.ts';
import { otherReadings, subDelimitersDecoded } from '../../src/routing/origin-readings.ts';
import type { CompiledCidr, Template } from '../../src/table/types.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration into milliseconds.
 * @example parseDuration('1.5s') // { ok: true, value: 1500 }
 */
export function parseDuration(text: unknown): Parsed<number> {
  const match = typeof text === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim()) : null;
  if (!match)
    return fail(`"${String(text)}" is not a duration: use a number and a unit, e.g. 500ms, 10s, 2m`);
  return ok(Math.round(Number(match[1]) * (DURATION_UNITS[match[2] as string] as number)));
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/**
 * Parses a size into bytes (1kb = 1024 bytes).
 * @example parseSize('10mb') // { ok: true, value: 10485760 }
 */
export function parseSize(text: unknown): Parsed<number> {
  if (typeof text === 'number' && Number.isInteger(text) && text >= 0) return ok(text);
  const match = typeof text === 'string' ? /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i.exec(text.trim()) : null;
  if (!match) return fail(`"${String(text)}" is not a size: use bytes or a unit, e.g. 64kb, 10mb, 1gb`);
  return ok(Math.floor(Number(match[1]) * (SIZE_UNITS[(match[2] as string).toLowerCase()] as number)));
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Checks a route host: an exact name or `*.` followed by a name (the wildcard is one whole,
 * leftmost label). Returns the lower-cased host.
 * @example parseRouteHost('*.Example.com') // { ok: true, value: '*.example.com' }
 */
export function parseRouteHost(text: string): Parsed<string> {
  if (/[/:@?#\s]/.test(text)) {
    return fail(`host "${text}" must be a bare hostname: no scheme, port, path or spaces`);
  }
  const host = text.toLowerCase().replace(/\.$/, '');
  const labels = host.split('.');
  const name = labels[0] === '*' ? labels.slice(1) : labels;
  if (name.some((label) => label.includes('*'))) {
    return fail(`host "${text}": a wildcard must be the whole leftmost label, as in *.example.com`);
  }
  if (labels[0] === '*' && name.length < 2) {
    return fail(`host "${text}": a wildcard needs a domain of at least two labels, as in *.example.com`);
  }
  if (host.length > 253 || name.some((label) => !LABEL.test(label))) {
    return fail(`host "${text}" is not a valid hostname`);
  }
  // A wildcard is probed with one label in front: the names it covers are what requests carry.
  return asUrlsReadIt(text, labels[0] === '*' ? `x.${name.join('.')}` : host) ?? ok(host);
}

/**
 * Requests are matched on the hostname as the URL parser reads it, which rewrites names that
 * look like IPv4 (`1.2.3` is 1.2.0.3, `0x7f.1` is 127.0.0.1) and refuses names ending in a
 * number: a host written that way would never match. Null when the parser keeps the name.
 */
function asUrlsReadIt(text: string, name: string): Parsed<string> | null {
  let read: string;
  try {
    read = new URL(`http://${name}`).hostname;
  } catch {
    const why = /(^|\.)(\d+|0x[0-9a-f]*)$/i.test(name)
      ? 'ends in a number but is not an IPv4 address'
      : 'is refused by URL parsers (an xn-- label that is not valid punycode?)';
    return fail(`host "${text}" ${why}: no request can name it`);
  }
  if (read === name) return null;
  return fail(`host "${text}" is read by URL parsers as "${read}": write "${read}"`);
}

export interface OriginUrl {
  scheme: 'http' | 'https';
  origin: string;
  hostname: string;
  basePath: string;
}

/** A scheme and the slashes the URL parser accepts after it: none, or any run of `/` and `\`. */
const SCHEME = String.raw`[a-z][a-z0-9+.-]*:[\\/]*`;

/** A user and password before a host, in every spelling the URL parser accepts (`https:/u:p@`). */
const USERINFO = new RegExp(String.raw`^(\s*${SCHEME})[^/\\?#@]*@`, 'i');

/** The same anywhere in a line of routes.yaml, where a value also ends at a space or a quote. */
const USERINFO_IN_LINE = new RegExp(String.raw`(${SCHEME})([^/\\?#@\s"']*)@`, 'gi');

/** True when a URL as written carries a user or password. */
export function hasUserinfo(text: string): boolean {
  return USERINFO.test(text);
}

/** The URL as written, with a user and password before the host shown as `(hidden)`. */
export function hideUserinfo(text: string): string {
  return text.replace(USERINFO, '$1(hidden)@');
}

/**
 * A line of routes.yaml with every user and password in it masked character for character, so
 * a caret under the line still points at the same column.
 * @example maskUserinfo('origin: https://u:pw@o.example') // 'origin: https://****@o.example'
 */
export function maskUserinfo(line: string): string {
  return line.replace(
    USERINFO_IN_LINE,
    (_all, scheme: string, userinfo: string) => `${scheme}${'*'.repeat(userinfo.length)}@`,
  );
}

/**
 * A URL as a message may quote it, since check's output goes to CI logs and pull-request
 * annotations: a user and password before the host, and the query and fragment, are hidden.
 * @example quotableUrl('https://admin:pw@o.example/x?key=1') // 'https://(hidden)@o.example/x?(hidden)'
 */
export function quotableUrl(text: string): string {
  return hideUserinfo(text).replace(/([?#])[\s\S]*$/, '$1(hidden)');
}

/** `scheme://host[:port][/base]` as written: no blank, control character or backslash anywhere. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const WRITTEN_ORIGIN = /^https?:\/\/[^\x00-\x20\\/?#]+(?:\/[^\x00-\x20\\]*)?$/i;

/**
 * Parses an origin URL `scheme://host[:port][/base]`.
 * @example parseOriginUrl('https://api.example.net/v2/') // basePath '/v2'
 */
export function parseOriginUrl(written: string): Parsed<OriginUrl> {
  // Every message below quotes the URL without its credentials.
  const text = quotableUrl(written);
  let url: URL;
  try {
    url = new URL(written);
  } catch {
    return fail(`origin "${text}" is not a URL: use scheme://host[:port][/base]`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(`origin "${text}" must use http or https, not ${url.protocol.replace(':', '')}`);
  }
  if (url.username || url.password) return fail(`origin "${text}" must not contain credentials (user:pass@)`);
  if (url.search || text.includes('?')) return fail(`origin "${text}" must not contain a query string`);
  if (url.hash || text.includes('#')) return fail(`origin "${text}" must not contain a fragment`);
  // The URL parser also takes `https:host`, `https:/host`, backslashes and stripped blanks; the
  // environments' origin mappings read the text as written, so the two must agree.
  if (!WRITTEN_ORIGIN.test(written))
    return fail(
      `origin "${text}" must be written scheme://host[:port][/base], as ${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    );
  const base = baseOf(url.pathname);
  if (!base.ok) return fail(`origin "${text}": its base path ${base.error}`);
  return ok({
    scheme: url.protocol === 'https:' ? 'https' : 'http',
    origin: url.origin,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    basePath: base.value,
  });
}

/**
 * An origin's base path in the canonical spelling requests get (`/%61dmin` is `/admin`), so
 * the alias check compares it with other routes' paths as an origin would. Refused as request
 * paths are: an encoded slash or dot segment (`/pub%2F..%2Fadmin`), and a spelling some origin
 * reads otherwise (`/admin.`, `/admin;x`, `/%20admin`), where no check could tell which path
 * the origin serves.
 */
function baseOf(pathname: string): Parsed<string> {
  const written = pathname.replace(/\/+$/, '');
  if (written === '') return ok('');
  const canonical = canonicalPath(written);
  if (!canonical.ok) return fail(canonical.reason.replace(/^The path holds/, 'holds'));
  if (otherReadings(subDelimitersDecoded(canonical.path)).length > 0)
    return fail(
      `${written} reads otherwise to some origins (trailing dots or spaces, ; parameters, Unicode normalisation...): write the path the origin serves`,
    );
  return ok(canonical.path);
}

/** True for hosts that only this machine can reach (http to them needs no warning). */
export function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\./.test(hostname) ||
    hostname === '::1'
  );
}

export type CorsOriginPattern =
  | { kind: 'any' }
  | { kind: 'exact'; origin: string }
  | { kind: 'wildcard'; scheme: string; suffix: string };

/**
 * Parses a CORS origin: `*`, an exact origin, or `scheme://*.domain` (one label).
 * @example parseCorsOrigin('https://*.example.com') // { kind: 'wildcard', suffix: '.example.com' }
 */
export function parseCorsOrigin(text: string): Parsed<CorsOriginPattern> {
  if (text === '*') return ok({ kind: 'any' });
  const match = /^(https?):\/\/(\*\.)?([^/?#]+)$/i.exec(text);
  if (!match) {
    return fail(
      `CORS origin "${text}" must be '*', scheme://host[:port] or scheme://*.domain, without a path`,
    );
  }
  const scheme = (match[1] as string).toLowerCase();
  const [hostPart, written] = (match[3] as string).toLowerCase().split(/:(?=\d+$)/) as [string, string?];
  const host = parseRouteHost(hostPart);
  if (!host.ok || hostPart.includes('*')) return fail(`CORS origin "${text}" has an invalid host`);
  const port = written === undefined ? '' : originPort(scheme, written);
  if (port === null) return fail(`CORS origin "${text}" has a port outside 1-65535`);
  const hostPort = port ? `${host.value}:${port}` : host.value;
  if (match[2]) return ok({ kind: 'wildcard', scheme: `${scheme}://`, suffix: `.${hostPort}` });
  return ok({ kind: 'exact', origin: `${scheme}://${hostPort}` });
}

/**
 * A port as a browser writes it in `Origin`: no leading zeros, and nothing for the scheme's
 * default port, so `https://app.example.com:443` matches the header `https://app.example.com`.
 * Null when the port is out of range.
 */
function originPort(scheme: string, written: string): string | null {
  const port = Number(written);
  if (port < 1 || port > 65535) return null;
  return port === (scheme === 'https' ? 443 : 80) ? '' : String(port);
}

/**
 * Parses a CIDR (a bare address means /32 or /128).
 * @example parseCidr('203.0.113.0/24') // bits 120 over the mapped 128-bit space
 */
export function parseCidr(text: string): Parsed<CompiledCidr> {
  const [addressText, lengthText, extra] = text.split('/');
  const words = parseIp(addressText ?? '');
  if (!words || extra !== undefined)
    return fail(`"${text}" is not a CIDR (e.g. 203.0.113.0/24, 2001:db8::/32)`);
  const v4 = !(addressText as string).includes(':');
  const max = v4 ? 32 : 128;
  const length =
    lengthText === undefined ? max : /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : Number.NaN;
  if (!(length >= 0 && length <= max)) return fail(`"${text}": prefix length must be 0 to ${max}`);
  const bits = v4 ? 96 + length : length;
  const masked = words.map((word, i) => {
    const keep = Math.max(0, Math.min(32, bits - i * 32));
    return keep === 0 ? 0 : (word & (keep === 32 ? 0xffffffff : ~(0xffffffff >>> keep))) >>> 0;
  }) as CompiledCidr['words'];
  if (masked.some((word, i) => word !== words[i])) {
    return fail(`"${text}" has bits set after the prefix: write the network address`);
  }
  return ok({ words: masked, bits, text });
}

/**
 * Splits a header value into literals and `${env.NAME}` references.
 * @example parseTemplate('Bearer ${env.TOKEN}') // ['Bearer ', { env: 'TOKEN' }]
 */
export function parseTemplate(text: string): Parsed<Template> {
  const parts: Template = [];
  let last = 0;
  // indexOf, not a regex: a value full of unclosed `${` must not cost quadratic time.
  for (let open = text.indexOf('${'); open >= 0; open = text.indexOf('${', last)) {
    const close = text.indexOf('}', open);
    if (close < 0) return fail(`"${text.slice(open)}" has no closing }: use \${env.NAME}`);
    const name = /^env\.([A-Z_][A-Z0-9_]*)$/.exec(text.slice(open + 2, close))?.[1];
    if (!name) {
      return fail(
        `"${text.slice(open, close + 1)}" is not a reference: use \${env.NAME} with an upper-case NAME`,
      );
    }
    if (open > last) parts.push(text.slice(last, open));
    parts.push({ env: name });
    last = close + 1;
  }
  if (last < text.length || parts.length === 0) parts.push(text.slice(last));
  return ok(parts);
}

/**
 * Why a header value written in routes.yaml cannot be sent as written, or null when it can.
 * CR, LF and NUL would split or end the header. Other characters outside printable ASCII (tab
 * aside) reach the origin differently from runtime to runtime (workerd sends U+0100 as UTF-8,
 * Node's fetch refuses it, DEL vanishes): RFC 9110 asks for ASCII, so the file must say what
 * it means in ASCII.
 * @example headerValueProblem('caf\u00e9') // 'holds U+00E9 ("é"), ...'
 */
export function headerValueProblem(text: string): string | null {
  if (NOT_IN_A_HEADER.test(text)) return 'holds a line break or NUL, which no header may carry';
  const odd = OUTSIDE_HEADER_TEXT.exec(text)?.[0];
  if (odd === undefined) return null;
  return `holds ${describeCharacter(odd)}, which headers do not carry the same way everywhere: write printable ASCII (percent-encoded, or RFC 8187 for text)`;
}

/**
 * A character as a message shows it: its code point, and itself when it is visible.
 * @example describeCharacter('\u00e9') // 'U+00E9 ("é")'
 */
export function describeCharacter(char: string): string {
  const code = `U+${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char) ? `${code} ("${char}")` : code;
}

/**
 * The value of a parse, or undefined after handing its error to `onError`.
 * @example valueOrReport(parseDuration("10s"), report) // 10000
 */
export function valueOrReport<T>(parsed: Parsed<T>, onError: (message: string) => void): T | undefined {
  if (parsed.ok) return parsed.value;
  onError(parsed.error);
  return undefined;
}
