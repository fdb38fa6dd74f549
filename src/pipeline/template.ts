/**
 * `${env.NAME}` values, resolved at request time from the Worker's env (vars and secrets).
 */
import type { Env } from '../exchange.ts';
import type { Template } from '../table/types.ts';

/** Thrown when a referenced var or secret is not set: the request fails closed (500). */
export class MissingSecretError extends Error {
  constructor(readonly variable: string) {
    super(`${variable} is not set`);
  }
}

/**
 * Renders a template; throws MissingSecretError when a name has no value.
 * @example renderTemplate(['Bearer ', { env: 'TOKEN' }], { TOKEN: 't' }) // 'Bearer t'
 */
export function renderTemplate(template: Template, env: Env): string {
  let out = '';
  for (const part of template) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = env[part.env];
    if (typeof value !== 'string' || value === '') throw new MissingSecretError(part.env);
    out += value;
  }
  return out;
}
