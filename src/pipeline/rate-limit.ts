/**
 * Rate limits on Cloudflare's Rate Limiting binding: a counter shared by every isolate of a
 * location, not a map in one isolate's memory. The build declares one binding per limit; a route
 * may have several (per API key and per address, say), and a request must pass them all.
 */
import type { Exchange } from '../exchange.ts';
import type { CompiledRateLimit, CompiledRoute } from '../table/types.ts';
import { jsonError } from './answer.ts';
import { networkKey, parseIp } from './ip.ts';
import type { StageFactory } from './stage.ts';

interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** One counter a request is counted on. */
interface LimitCheck {
  limit: CompiledRateLimit;
  /** The key counted: the route id and the client's address (or network) or header value. */
  key: string;
}

/**
 * The counters a request is counted on: the one decision of what is counted.
 * @example await limitChecks(route, x) // [{ limit, key: 'api|ip:203.0.113.9' }]
 */
async function limitChecks(route: CompiledRoute, x: Exchange): Promise<LimitCheck[]> {
  return Promise.all(
    route.rateLimits.map(async (limit) => ({ limit, key: `${route.id}|${await subject(limit, x)}` })),
  );
}

/** Headers whose value starts with an auth scheme, which servers read in any case. */
const CREDENTIALS = new Set(['authorization', 'proxy-authorization']);

/**
 * A header value as a limit counts it: trimmed, with runs of spaces and tabs as one space, and
 * on a credentials header the scheme lower-cased. Servers read `Bearer T`, `bearer  T` and
 * `BEARER\tT` as one token: counted apart, each spelling would get a budget of its own. (The
 * request goes upstream as the client spelled it: an origin may compare the scheme as written.)
 * Null when absent.
 * @example countedHeader(new Headers({ authorization: ' BEARER \t abc ' }), 'authorization') // 'bearer abc'
 */
function countedHeader(headers: Headers, name: string): string | null {
  const value = headers
    .get(name)
    ?.trim()
    .replace(/[ \t]+/g, ' ');
  if (!value) return null;
  if (!CREDENTIALS.has(name)) return value;
  const space = value.indexOf(' ');
  return space === -1 ? value : `${value.slice(0, space).toLowerCase()}${value.slice(space)}`;
}

/** What one limit counts for this request: a header value, else the client's network. */
async function subject(limit: CompiledRateLimit, x: Exchange): Promise<string> {
  if (limit.key.kind === 'header') {
    const value = countedHeader(x.request.headers, limit.key.name);
    // A request without the header is counted by its address, so leaving it out gains nothing.
    if (value) return `h:${value.length > 128 ? await digest(value) : value}`;
  }
  const ip = parseIp(x.clientIp);
  return `ip:${ip === null ? x.clientIp : networkKey(ip, limit.ipv6Prefix)}`;
}

/** @example rateLimit(route) // a stage answering 429 with Retry-After once a key is over its limit */
export const rateLimit: StageFactory = (route) => {
  if (route.rateLimits.length === 0) return null;
  return async (x, next) => {
    const checks = await limitChecks(route, x);
    const bindings = checks.map((check) => x.env[check.limit.binding] as RateLimitBinding | undefined);
    const missing = checks.find((_, i) => typeof bindings[i]?.limit !== 'function');
    if (missing) {
      const message = `Rate limit binding ${missing.limit.binding} is not configured`;
      return jsonError(x, 'rate limit', 500, 'config_error', message);
    }
    const results = await Promise.all(
      checks.map((check, i) => (bindings[i] as RateLimitBinding).limit({ key: check.key })),
    );
    const over = checks.filter((_, i) => !results[i]?.success).map((check) => check.limit);
    if (over.length === 0) return next(x);
    const period = Math.max(...over.map((l) => l.period));
    const limit = over.find((l) => l.period === period) as CompiledRateLimit;
    return jsonError(x, 'rate limit', 429, 'rate_limited', `Over ${limit.limit} requests in ${period} s`, {
      'retry-after': String(period),
    });
  };
};

/** A long header value is counted by its SHA-256, so a client cannot send an oversized key. */
async function digest(value: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)));
  return `sha256:${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
