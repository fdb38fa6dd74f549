/**
 * What a request's method overrides name. Frameworks run a request as another method when it
 * carries one: a header (`X-HTTP-Method-Override` and friends, src/pipeline/request-headers.ts),
 * or a `_method` query parameter (Symfony and Laravel run `POST /users/1?_method=DELETE` as a
 * DELETE; Express's method-override does with a query getter). Query names are read as PHP reads
 * them, so other spellings of `_method` count too.
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
 * The methods the query's `_method` parameters name, upper-cased; [] for most queries.
 * @example queryMethodOverrides('?page=2&_method=delete') // ['DELETE']
 * @example queryMethodOverrides('?%5Fmethod=PUT&.method=patch') // ['PUT', 'PATCH']
 */
export function queryMethodOverrides(search: string): string[] {
  if (search.length < 2) return [];
  const named: string[] = [];
  for (const pair of search.slice(1).split('&')) {
    const equals = pair.indexOf('=');
    if (equals === -1 || phpName(decoded(pair.slice(0, equals))) !== '_method') continue;
    named.push(...namedMethods(decoded(pair.slice(equals + 1))));
  }
  return named;
}

/** A query component as form decoding reads it (`+` is a space); a bad escape is kept as written. */
function decoded(text: string): string {
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * A parameter name as PHP registers it, lower-cased: leading spaces dropped, `.` and spaces read
 * as `_`, an array suffix (`_method[]`) cut, and an unclosed `[` read as `_` (so `.method`,
 * `+method` and `[method` all arrive as `_method`).
 */
function phpName(name: string): string {
  const trimmed = name.trimStart();
  const open = trimmed.indexOf('[');
  const base =
    open === -1
      ? trimmed
      : trimmed.indexOf(']', open) === -1
        ? `${trimmed.slice(0, open)}_${trimmed.slice(open + 1)}`
        : trimmed.slice(0, open);
  return base.replace(/[. ]/g, '_').toLowerCase();
}
