/**
 * What a request's method overrides name. Frameworks run a request as another method when it
 * carries one: a header (`X-HTTP-Method-Override` and friends, src/pipeline/request-headers.ts),
 * or a `_method` query parameter (Symfony and Laravel run `POST /users/1?_method=DELETE` as a
 * DELETE; Express's method-override does with a query getter), honoured on a POST. Query names
 * are read as the common parsers read them, so other spellings of `_method` count too.
 */

/**
 * The methods an override's value names, upper-cased: every item of a comma-separated list
 * (Express's method-override takes the first of a list, and two header lines arrive joined by a
 * comma), spaces around each dropped.
 * @example namedMethods(' get, Trace,') // ['GET', 'TRACE']
 */
export function namedMethods(value: string): string[] {
  const named: string[] = [];
  for (const item of value.split(',')) if (item.trim()) named.push(item.trim().toUpperCase());
  return named;
}

/**
 * The methods the query's `_method` parameters name, upper-cased; [] for most queries. A name
 * counts when any common parser reads it as `_method`: PHP (Symfony, Laravel), qs (Express's
 * default query parser) or a plain one.
 * @example queryMethodOverrides('?page=2&_method=delete') // ['DELETE']
 * @example queryMethodOverrides('?%5Fmethod=PUT&.method=patch&[_method]=post') // ['PUT', 'PATCH', 'POST']
 */
export function queryMethodOverrides(search: string): string[] {
  if (search.length < 2) return [];
  const named: string[] = [];
  const query = search.slice(1);
  // Parsers split on `&`; PHP can be set to split on `;` too. Both readings count: a `;` inside
  // a name (`[_method];=DELETE` is `_method` to qs) must not hide it either.
  const pairs = new Set([...query.split('&'), ...query.split(/[&;]/)]);
  for (const pair of pairs) {
    for (const [name, value] of readings(pair)) {
      if (phpName(name) !== OVERRIDE && qsName(name) !== OVERRIDE) continue;
      for (const method of namedMethods(value)) named.push(method);
    }
  }
  return named;
}

/**
 * The ways parsers split a pair into a decoded name and value: at its first `=` (PHP, plain), or
 * after a `]` when `]=` comes in it (qs, which takes `[_method]x=]=DELETE` as `_method`, and in
 * its newer versions `%5D=` too).
 */
function readings(pair: string): Array<[string, string]> {
  const bracket = pair.indexOf(']=');
  const escaped = pair.search(/%5D=/i);
  // qs's readings first: where a pair has both, its value is the one a message should quote.
  const splits = new Set([
    bracket === -1 ? -1 : bracket + 1,
    escaped === -1 ? -1 : escaped + 3,
    pair.indexOf('='),
  ]);
  splits.delete(-1);
  return [...splits].map((at) => [decoded(pair.slice(0, at)), decoded(pair.slice(at + 1))]);
}

const OVERRIDE = '_method';

/**
 * A query component as form decoding reads it: `+` is a space, each valid `%XX` one byte (as a
 * character), a bad escape kept as written, so one bad escape cannot hide the rest.
 */
function decoded(text: string): string {
  return text
    .replaceAll('+', ' ')
    .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * A parameter name as PHP registers it: cut at a NUL (PHP takes the name's length with strlen),
 * leading spaces dropped, `.` and spaces read as `_`, an array's brackets cut (`_method[]`), an
 * unclosed `[` read as `_`; a name with nothing before its `[` is dropped ('').
 */
function phpName(name: string): string {
  const nul = name.indexOf('\0');
  const trimmed = (nul === -1 ? name : name.slice(0, nul)).replace(/^ +/, '');
  const open = trimmed.indexOf('[');
  if (open === 0) return '';
  const base =
    open === -1
      ? trimmed
      : trimmed.indexOf(']', open) === -1
        ? `${trimmed.slice(0, open)}_${trimmed.slice(open + 1)}`
        : trimmed.slice(0, open);
  return base.replace(/[. ]/g, '_');
}

/**
 * A parameter name as qs reads it: the part before its first `[...]`, or that bracket's content
 * when nothing comes before it (`[_method]=DELETE` is `{ _method: 'DELETE' }` to Express).
 */
function qsName(name: string): string {
  const bracket = /\[([^[\]]*)\]/.exec(name);
  if (bracket === null) return name;
  return bracket.index > 0 ? name.slice(0, bracket.index) : (bracket[1] as string);
}
