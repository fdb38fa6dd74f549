/**
 * What the CLI may print of a header value. A `${env.NAME}` reference is shown as written (it
 * names the secret, it is not the secret); a literal written straight into a header that carries
 * credentials (Authorization, Cookie, *token*, *api-key*, ...) is hidden, so a plan posted on a
 * pull request never repeats a credential someone pasted into routes.yaml.
 */
import type { Template } from '../../src/table/types.ts';

const SENSITIVE =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|api[-_]?key|token|secret|passw(or)?d|session|signature|credential|auth/i;
const REFERENCE = /(\$\{env\.[A-Za-z_][A-Za-z0-9_]*\})/;
/** Literals that are only an auth scheme (`Bearer `) say nothing secret. */
const SCHEME_ONLY = /^\s*(bearer|basic|digest|token)?\s*$/i;

/** Placeholder printed instead of a hidden literal. */
export const HIDDEN = '(hidden)';

/**
 * True when a header name suggests its value is a credential.
 * @example isSensitiveHeader('X-Api-Key') // true
 */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE.test(name);
}

/**
 * The printable form of a header value as written in routes.yaml.
 * @example showHeaderValue('Authorization', 'Bearer ${env.TOKEN}') // 'Bearer ${env.TOKEN}'
 * @example showHeaderValue('Authorization', 'Bearer abc123') // 'Bearer (hidden)'
 */
export function showHeaderValue(name: string, value: string): string {
  if (!isSensitiveHeader(name)) return value;
  return value
    .split(REFERENCE)
    .map((part, i) => {
      if (i % 2 === 1 || SCHEME_ONLY.test(part)) return part;
      const scheme = /^\s*(bearer|basic|digest|token)\s+/i.exec(part)?.[0] ?? '';
      return `${scheme}${HIDDEN}`;
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
