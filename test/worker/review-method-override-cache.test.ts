/**
 * Review finding: on a route without `methods`, the method override headers
 * (`X-HTTP-Method-Override`, `X-HTTP-Method`, `X-Method-Override`) reach the origin, by design.
 * But such a request is still a GET to the edge cache: it is looked up and stored under the
 * plain URL. A framework that honours the override (Express method-override, Laravel, Symfony,
 * Rails-style `_method` handling) runs DELETE or POST and its answer is stored and served to
 * every later GET of that URL: a one-request cache poisoning by an unkeyed header. Expected: a
 * request that carries a method override never shares the cache with plain GETs (bypass it, or
 * drop the header on cacheable requests).
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originUrl, routerFor } from './harness.ts';

const run = crypto.randomUUID().slice(0, 8);
const router = routerFor([{ id: 'cached', hosts: ['rmo.test'], origin: originUrl(), cache: { ttl: 60 } }]);

describe('review: method overrides and the edge cache', () => {
  for (const header of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
    it(`the answer to a GET with ${header}: DELETE is never served to a plain GET`, async () => {
      const url = `https://rmo.test/count/override-${header}-${run}`;
      const poisoned = await router.fetch(url, { headers: { [header]: 'DELETE' } });
      await poisoned.body?.cancel();
      const plain = await router.fetch(url);
      const echo = (await plain.json()) as Echo;
      expect(
        echo.headers[header.toLowerCase()],
        `plain GET answered x-cache ${plain.headers.get('x-cache')}`,
      ).toBeUndefined();
    });
  }
});
