/**
 * Rate limits on Cloudflare's Rate Limiting binding: a counter shared by every isolate of a
 * location, not a map in one isolate's memory. The build declares one binding per limited route.
 */
import type { Env, Exchange } from '../exchange.ts';
import { jsonError } from './errors.ts';

interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * @example await rateLimit(x, env) // 429 with Retry-After once the key is over its limit
 */
export async function rateLimit(x: Exchange, env: Env): Promise<Response | undefined> {
  const policy = x.matched?.rateLimit;
  if (!policy) return undefined;
  const binding = env[policy.binding] as RateLimitBinding | undefined;
  if (!binding || typeof binding.limit !== 'function') {
    return jsonError(x, 500, 'config_error', `Rate limit binding ${policy.binding} is not configured`);
  }
  const header = policy.key.kind === 'header' ? x.request.headers.get(policy.key.name) : null;
  const subject = header ? `h:${header.length > 128 ? await digest(header) : header}` : `ip:${x.clientIp}`;
  const { success } = await binding.limit({ key: `${x.matched?.id}|${subject}` });
  if (success) return undefined;
  return jsonError(x, 429, 'rate_limited', `Over ${policy.limit} requests in ${policy.period} s`, {
    'retry-after': String(policy.period),
  });
}

/** A long header value is counted by its SHA-256, so a client cannot send an oversized key. */
async function digest(value: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)));
  return `sha256:${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
