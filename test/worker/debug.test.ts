/**
 * Debug headers (src/pipeline/debug.ts): the router reports its route, upstream URL, cache result,
 * error code and version only to a request carrying the debug token equal to the
 * ROUTER_DEBUG_TOKEN secret. A wrong token or an unset secret exposes nothing, and no origin ever
 * receives the token. Real workerd, real local origin.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originUrl, routerFor } from './harness.ts';

const TOKEN = 'debug-token-for-tests-8d1f';
const run = crypto.randomUUID().slice(0, 8);
const DEBUG_HEADERS = [
  'x-router-route',
  'x-router-upstream',
  'x-router-cache',
  'x-router-error',
  'x-router-version',
];

const routes = [
  { id: 'api', hosts: ['debug.test'], path: '/v1', strip_prefix: true, origin: `${originUrl()}/echo/base` },
  { id: 'cached', hosts: ['debug.test'], path: '/cached', origin: originUrl(), cache: { ttl: 60 } },
  { id: 'dead', hosts: ['debug-dead.test'], origin: originUrl('dead'), timeout: '2s' },
];
const withSecret = routerFor(
  routes,
  {},
  { ROUTER_DEBUG_TOKEN: TOKEN, CF_VERSION_METADATA: { id: 'version-42' } },
);
const withoutSecret = routerFor(routes);

const debugHeaders = (response: Response) =>
  Object.fromEntries(
    DEBUG_HEADERS.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)]] : [])),
  );

describe('debug headers', () => {
  it('report route, upstream, cache and version to a request with the right token, which the origin never sees', async () => {
    const response = await withSecret.fetch('https://debug.test/v1/users?page=2', {
      headers: { 'x-router-debug': TOKEN },
    });
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.url).toBe('/echo/base/users?page=2');
    expect(echo.headers['x-router-debug']).toBeUndefined();
    expect(debugHeaders(response)).toEqual({
      'x-router-route': 'api',
      'x-router-upstream': `${originUrl()}/echo/base/users?page=2`,
      'x-router-cache': 'BYPASS',
      'x-router-version': 'version-42',
    });
  });

  it('expose nothing to a wrong token, of any length, and nothing at all when the secret is unset', async () => {
    for (const token of ['wrong', `${TOKEN.slice(0, -1)}x`, `${TOKEN}${TOKEN}`, '']) {
      const response = await withSecret.fetch('https://debug.test/v1/x', {
        headers: { 'x-router-debug': token },
      });
      expect(response.status).toBe(200);
      const echo = (await response.json()) as Echo;
      expect(debugHeaders(response), token).toEqual({});
      expect(echo.headers['x-router-debug']).toBeUndefined();
    }
    const unset = await withoutSecret.fetch('https://debug.test/v1/x', {
      headers: { 'x-router-debug': TOKEN },
    });
    expect(debugHeaders(unset)).toEqual({});
    expect(((await unset.json()) as Echo).headers['x-router-debug']).toBeUndefined();
    // An empty secret is the same as none: an empty token must never match it.
    const empty = routerFor(routes, {}, { ROUTER_DEBUG_TOKEN: '' });
    const answer = await empty.fetch('https://debug.test/v1/x', { headers: { 'x-router-debug': '' } });
    expect(debugHeaders(answer)).toEqual({});
  });

  it("report the router's own error code: no route, and an origin that cannot be reached", async () => {
    const headers = { 'x-router-debug': TOKEN };
    const none = await withSecret.fetch('https://nothing-here.test/', { headers });
    expect(none.status).toBe(404);
    expect(debugHeaders(none)).toMatchObject({ 'x-router-route': '(none)', 'x-router-error': 'no_route' });
    expect(none.headers.has('x-router-upstream')).toBe(false);

    const dead = await withSecret.fetch('https://debug-dead.test/a', { headers });
    expect(dead.status).toBe(502);
    expect(debugHeaders(dead)).toMatchObject({
      'x-router-route': 'dead',
      'x-router-upstream': `${originUrl('dead')}/a`,
      'x-router-error': 'bad_gateway',
    });
  });

  it('report a cache hit with its upstream, and never store the debug headers in the cache', async () => {
    const url = `https://debug.test/cached/count/debug-${run}`;
    const headers = { 'x-router-debug': TOKEN };
    const miss = await withSecret.fetch(url, { headers });
    await miss.text();
    expect(debugHeaders(miss)).toMatchObject({ 'x-router-cache': 'MISS', 'x-router-route': 'cached' });
    const hit = await withSecret.fetch(url, { headers });
    await hit.text();
    expect(debugHeaders(hit)).toMatchObject({
      'x-router-cache': 'HIT',
      'x-router-upstream': `${originUrl()}/cached/count/debug-${run}`,
    });
    const plain = await withSecret.fetch(url);
    await plain.text();
    expect(plain.headers.get('x-cache')).toBe('HIT');
    expect(debugHeaders(plain)).toEqual({});
  });
});
