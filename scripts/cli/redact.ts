/**
 * What the CLI may print of a value written in routes.yaml. Every literal header value is hidden
 * unless the header's name is on a short allow list of headers that never carry a credential
 * (Cache-Control, Content-Type, X-Frame-Options, ...); a `${env.NAME}` reference is always shown
 * as written (it names the secret, it is not the secret). Query values of a redirect target are
 * hidden the same way unless the parameter is on a short allow list (utm_*, lang, ...).
 *
 * Hiding by default, not by guessing from the name, is the point: a plan posted on a pull request
 * must never repeat a credential someone pasted under a header name nobody thought of.
 */
import type { CompiledRoute, Template } from '../../src/table/types.ts';
import { hideUserinfo } from '../compiler/values.ts';

/** Headers whose values are policy, never a credential: shown as written. */
const VISIBLE_HEADERS = new Set([
  'accept',
  'access-control-max-age',
  'cache-control',
  'content-language',
  'content-security-policy',
  'content-type',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'permissions-policy',
  'referrer-policy',
  'strict-transport-security',
  'vary',
  'x-content-type-options',
  'x-frame-options',
  'x-robots-tag',
]);

/** Query parameters of a redirect target that are campaign or display settings. */
const VISIBLE_PARAMS = new Set([
  'lang',
  'locale',
  'ref',
  'utm_campaign',
  'utm_content',
  'utm_medium',
  'utm_source',
  'utm_term',
]);

const REFERENCE = /(\$\{env\.[A-Za-z_][A-Za-z0-9_]*\})/;
/** Literals that are only an auth scheme (`Bearer `) or spacing say nothing secret. */
const SCHEME_ONLY = /^\s*(bearer|basic|digest|token)?\s*$/i;
const SCHEME = /^\s*(bearer|basic|digest|token)\s+/i;

/** Placeholder printed instead of a hidden literal. */
export const HIDDEN = '(hidden)';

/**
 * True when a header's literal values may be printed.
 * @example isVisibleHeader('Cache-Control') // true
 * @example isVisibleHeader('X-Tenant') // false
 */
export function isVisibleHeader(name: string): boolean {
  return VISIBLE_HEADERS.has(name.toLowerCase());
}

/**
 * The printable form of a header value as written in routes.yaml.
 * @example showHeaderValue('Authorization', 'Bearer ${env.TOKEN}') // 'Bearer ${env.TOKEN}'
 * @example showHeaderValue('X-Tenant', 'acme-42') // '(hidden)'
 * @example showHeaderValue('Cache-Control', 'no-store') // 'no-store'
 */
export function showHeaderValue(name: string, value: string): string {
  if (isVisibleHeader(name)) return value;
  return value
    .split(REFERENCE)
    .map((part, i) => {
      if (i % 2 === 1 || SCHEME_ONLY.test(part)) return part;
      return `${SCHEME.exec(part)?.[0] ?? ''}${HIDDEN}`;
    })
    .join('');
}

/**
 * The printable form of a compiled header value (literals and `${env.NAME}` references).
 * @example showTemplate('X-Api-Key', [{ env: 'KEY' }]) // '${env.KEY}'
 */
export function showTemplate(name: string, template: Template): string {
  return showHeaderValue(
    name,
    template.map((part) => (typeof part === 'string' ? part : `\${env.${part.env}}`)).join(''),
  );
}

/**
 * A URL with every query value hidden unless its name is on the allow list, and any user and
 * password before the host hidden. Parameter names, the path and the host stay visible.
 * @example showRedirectTarget('https://example.com/in?token=abc&lang=en') // 'https://example.com/in?token=(hidden)&lang=en'
 * @example showRedirectTarget('https://example.com/in?sk_live_abc') // 'https://example.com/in?(hidden)'
 */
export function showRedirectTarget(target: string): string {
  const [query, hash] = queryAndFragment(target);
  const base = hideUserinfo(target.slice(0, target.length - query.length - hash.length));
  // A fragment can carry a token too (OAuth implicit flows): it is never shown.
  const fragment = hash ? `#${HIDDEN}` : '';
  if (!query) return `${base}${fragment}`;
  // `;` separates parameters for some servers, as `&` does for all.
  const params = query
    .slice(1)
    .split(/([&;])/)
    .map((part, i) => (i % 2 === 1 ? part : showParam(part)));
  return `${base}?${params.join('')}${fragment}`;
}

/** One `name=value` of a query: shown when its name is allowed or its value empty. */
function showParam(pair: string): string {
  if (pair === '') return pair;
  const eq = pair.indexOf('=');
  // A bare value (`?sk_live_...`) is a value with no name to allow: hidden whole.
  if (eq === -1) return HIDDEN;
  const name = pair.slice(0, eq);
  const visible = VISIBLE_PARAMS.has(decodeName(name).toLowerCase()) || eq === pair.length - 1;
  return visible ? pair : `${name}=${HIDDEN}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * A header of an answer the router made (explain, a failing route test), as the CLI may print it:
 * what routes.yaml wrote is hidden as the plan hides it (a value the route's response rules set,
 * a redirect target's own query values and fragment); the rest is the router's or the client's.
 * @example showAnswerHeader(route, 'X-Internal-Token', 'abc') // '(hidden)' when route sets it
 */
export function showAnswerHeader(route: CompiledRoute | null, name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'location') return route?.redirect ? showLocation(route.redirect.to, value) : value;
  if (route?.responseHeaders.set.some(([set]) => set === lower)) return showHeaderValue(name, value);
  return value;
}

/**
 * A redirect route's Location with the target's own query and fragment redacted; the request's
 * path and query, kept after them, are the client's and stay visible.
 */
function showLocation(to: string, location: string): string {
  const [query, fragment] = queryAndFragment(to);
  const [shownQuery, shownFragment] = queryAndFragment(showRedirectTarget(to));
  let shown = query ? location.replace(query, shownQuery) : location;
  if (fragment && shown.endsWith(fragment)) shown = `${shown.slice(0, -fragment.length)}${shownFragment}`;
  return shown;
}

/** `?query` (without the fragment) and `#fragment` of a URL, each '' when absent. */
function queryAndFragment(url: string): [string, string] {
  const hash = url.indexOf('#');
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const query = beforeHash.indexOf('?');
  return [query === -1 ? '' : beforeHash.slice(query), hash === -1 ? '' : url.slice(hash)];
}
