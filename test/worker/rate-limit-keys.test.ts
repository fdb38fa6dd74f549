/**
 * What a rate limit counts, on miniflare's real Rate Limiting simulation: IPv6 clients per /64
 * network (one client holds a whole /64 and could rotate through it), IPv4 per address, header
 * values trimmed (and an Authorization token counted alike in every spelling servers accept), and
 * a list of limits a request must all pass. vitest.config.ts declares RL_NETWORKS (2 per 60 s),
 * RL_BOTH (3 per 60 s), RL_BOTH_2 (2 per 60 s) and RL_TOKENS (2 per 60 s). Every test uses
 * networks and keys of its own, so tests and reruns never share a counter.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originUrl, routerFor } from './harness.ts';
import { itInOneWindow } from './rate-limit-window.ts';

const router = routerFor([
  { id: 'networks', hosts: ['networks.test'], origin: originUrl(), rate_limit: { limit: 2, period: 60 } },
  {
    id: 'both',
    hosts: ['both.test'],
    origin: originUrl(),
    rate_limit: [
      { limit: 3, period: 60, key: 'ip' },
      { limit: 2, period: 60, key: 'header:X-Api-Key' },
    ],
  },
  {
    id: 'tokens',
    hosts: ['tokens.test'],
    origin: originUrl(),
    rate_limit: { limit: 2, period: 60, key: 'header:Authorization' },
  },
]);

/** A random /64 of the documentation prefix, as its first four groups. */
function freshNetwork(): string {
  const [a, b] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${(a as number).toString(16)}:${(b as number).toString(16)}`;
}

function status(host: string, ip: string, headers: Record<string, string> = {}): Promise<number> {
  return router
    .fetch(`https://${host}/echo/x`, { headers: { 'cf-connecting-ip': ip, ...headers } })
    .then(async (response) => {
      await response.body?.cancel();
      return response.status;
    });
}

describe('rate-limit keys', () => {
  itInOneWindow(
    'counts IPv6 addresses of one /64 together: rotating through the network gains nothing',
    60,
    async () => {
      const net = freshNetwork();
      expect(await status('networks.test', `${net}::1`)).toBe(200);
      expect(await status('networks.test', `${net}:ffff:1:2:3`)).toBe(200);
      expect(await status('networks.test', `${net}:abcd::9`)).toBe(429);
      // Another /64 has its own counter.
      expect(await status('networks.test', `${freshNetwork()}::1`)).toBe(200);
    },
  );

  itInOneWindow('counts IPv4 addresses one by one', 60, async () => {
    const [a, b] = crypto.getRandomValues(new Uint8Array(2));
    const base = `198.${a}.${b}`;
    const statuses = [];
    for (const host of ['1', '1', '1', '2']) statuses.push(await status('networks.test', `${base}.${host}`));
    expect(statuses).toEqual([200, 200, 429, 200]);
  });

  itInOneWindow('trims header keys: " k " and "k" are one counter', 60, async () => {
    const key = crypto.randomUUID();
    const statuses = [];
    for (const value of [key, `  ${key}\t`, key]) {
      statuses.push(await status('both.test', `${freshNetwork()}::1`, { 'x-api-key': value }));
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  itInOneWindow(
    'counts one Authorization token as one key in every spelling servers accept (scheme case, spaces)',
    60,
    async () => {
      const token = crypto.randomUUID();
      const statuses = [];
      for (const value of [`Bearer ${token}`, `bearer  ${token}`, `BEARER\t${token}`]) {
        statuses.push(await status('tokens.test', `${freshNetwork()}::1`, { authorization: value }));
      }
      expect(statuses).toEqual([200, 200, 429]);
      // Another token has its own budget, and the origin gets the header as the client spelled it.
      const other = `bEaReR ${crypto.randomUUID()}`;
      const response = await router.fetch('https://tokens.test/echo/t', {
        headers: { 'cf-connecting-ip': `${freshNetwork()}::1`, authorization: other },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as Echo).headers.authorization).toBe(other);
    },
  );

  itInOneWindow('applies every limit of a list: per key, and per address whatever the key', 60, async () => {
    // Four keys from one /64: the address limit (3) trips on the fourth request.
    const net = freshNetwork();
    const statuses = [];
    for (const n of [1, 2, 3, 4]) {
      statuses.push(await status('both.test', `${net}::${n}`, { 'x-api-key': crypto.randomUUID() }));
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('sends the key header upstream as one line holding the value it counted', async () => {
    // Two lines of one header reach the Worker joined (`K, other`), a new key per request; sent on
    // as two lines, an origin reading the first (Go, Java) would take every request as key K.
    const key = `k-${crypto.randomUUID()}`;
    const headers = new Headers({ 'cf-connecting-ip': '192.0.2.77' });
    headers.append('X-Api-Key', key);
    headers.append('X-Api-Key', 'other');
    const response = await router.fetch('https://both.test/echo/dup', { headers });
    const echo = (await response.json()) as Echo;
    const lines = echo.rawHeaders.filter(
      (_, i) => i % 2 === 0 && echo.rawHeaders[i]?.toLowerCase() === 'x-api-key',
    );
    expect(lines).toHaveLength(1);
    expect(echo.headers['x-api-key']).toBe(`${key}, other`);
  });
});
