/**
 * `${env.NAME}` values, resolved at request time from the Worker's env (vars and secrets).
 */
import type { Env } from '../exchange.ts';
import type { Template } from '../table/types.ts';

/**
 * Thrown when a referenced var or secret is not set, or holds a value a header does not carry
 * as written (OUTSIDE_HEADER_TEXT): the request fails closed with 500 config_error and nothing
 * is sent upstream.
 */
export class ConfigValueError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: 'missing' | 'invalid',
  ) {
    super(`${variable} ${problem === 'missing' ? 'is not set' : INVALID}`);
  }
}

/** Why a value is refused, as messages say it. */
export const INVALID = 'holds a character other than printable ASCII';

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
export const NOT_IN_A_HEADER = /[\r\n\u0000]/;

/**
 * What a header value may not hold, in routes.yaml (scripts/compiler/values.ts) and in a
 * `${env}` value alike: anything but printable ASCII and tab. CR, LF and NUL would split or end
 * the header; the rest reaches the origin differently from runtime to runtime.
 */
export const OUTSIDE_HEADER_TEXT = /[^\t\x20-\x7e]/u;

/**
 * Renders a template; throws ConfigValueError when a name has no usable value.
 * @example renderTemplate(['Bearer ', { env: 'TOKEN' }], { TOKEN: 't' }) // 'Bearer t'
 */
export function renderTemplate(template: Template, env: Env): string {
  let out = '';
  for (const part of template) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    out += envValue(env, part.env);
  }
  return out;
}

/**
 * The value of a var or secret, checked: set, not empty, and fit for a header.
 * @example envValue({ TOKEN: 't' }, 'TOKEN') // 't'
 */
export function envValue(env: Env, name: string): string {
  const value = env[name];
  if (typeof value !== 'string' || value === '') throw new ConfigValueError(name, 'missing');
  if (OUTSIDE_HEADER_TEXT.test(value)) throw new ConfigValueError(name, 'invalid');
  return value;
}
