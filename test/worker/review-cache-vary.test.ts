/**
 * Review finding: the edge cache stores a response whatever its `Vary` lists (only `Vary: *`,
 * and `Vary: Origin` on a route without `cors`, keep it out), while its key is the URL alone:
 * the Cache API does not honour Vary, and the key request carries no headers anyway. So a
 * response the origin marked as depending on a request header (`Vary: Cookie` for a logged-in
 * page, `Vary: Accept-Language`, `Vary: Authorization`-like API keys) is served to every other
 * client of that URL. RFC 9111 4.1: a shared cache must not reuse such a response for a request
 * whose header differs. These tests state the expected behaviour: not served to the other client.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originUrl, routerFor } from './harness.ts';

const run = crypto.randomUUID().slice(0, 8);
const router = routerFor([{ id: 'cached', hosts: ['rcv.test'], origin: originUrl(), cache: { ttl: 60 } }]);

async function send(
  url: string,
  headers: Record<string, string>,
): Promise<{ xcache: string | null; echo: Echo }> {
  const response = await router.fetch(url, { headers });
  return { xcache: response.headers.get('x-cache'), echo: (await response.json()) as Echo };
}

describe('review: Vary is not ignored by the edge cache', () => {
  it("a Vary: Cookie response to Alice's request is not served to a client without her cookie", async () => {
    const url = `https://rcv.test/count/vary-cookie-${run}?h=${encodeURIComponent('Vary: Cookie')}`;
    const alice = await send(url, { cookie: 'session=alice-secret' });
    expect(alice.echo.headers.cookie).toBe('session=alice-secret');
    const other = await send(url, {});
    expect(other.echo.headers.cookie, `second answer was x-cache ${other.xcache}`).toBeUndefined();
  });

  it('a Vary: Accept-Language response is not served to a client asking for another language', async () => {
    const url = `https://rcv.test/count/vary-lang-${run}?h=${encodeURIComponent('Vary: Accept-Language')}`;
    await send(url, { 'accept-language': 'de' });
    const french = await send(url, { 'accept-language': 'fr' });
    expect(french.echo.headers['accept-language'], `x-cache ${french.xcache}`).toBe('fr');
  });
});

describe('review: an Access-Control-Allow-Origin naming one site, on a route without cors', () => {
  // The origin does its own CORS there; naming one site, its answer depends on the request's
  // Origin even without `Vary: Origin`. Stored, it would answer every other site's page with the
  // first site's name, and their cross-origin calls would fail until the TTL ran out.
  const acao = (value: string) =>
    `?h=${encodeURIComponent(`Access-Control-Allow-Origin: ${value}`)}&h=${encodeURIComponent('Access-Control-Allow-Credentials: true')}`;

  it('is not stored: a request from another site gets its own answer, not the first one', async () => {
    const url = `https://rcv.test/count/acao-one-${run}${acao('https://partner.example')}`;
    expect((await router.fetch(url, { headers: { origin: 'https://partner.example' } })).status).toBe(200);
    const other = await router.fetch(url, { headers: { origin: 'https://app.example' } });
    await other.arrayBuffer();
    expect(other.headers.get('x-cache')).toBe('MISS');
  });

  it("'*' names no site: such an answer is stored as before", async () => {
    const url = `https://rcv.test/count/acao-any-${run}${acao('*')}`;
    await (await router.fetch(url, { headers: { origin: 'https://partner.example' } })).arrayBuffer();
    const other = await router.fetch(url, { headers: { origin: 'https://app.example' } });
    await other.arrayBuffer();
    expect(other.headers.get('x-cache')).toBe('HIT');
  });
});
