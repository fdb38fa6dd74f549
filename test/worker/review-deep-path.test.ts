/**
 * Review finding: finding the route costs time quadratic in the path's depth. `longestPrefix`
 * looks up every whole-segment prefix of the path, longest first, each a fresh string the Map
 * must hash: a 16 KB path of 8,000 one-letter segments (under Cloudflare's URL limit) takes
 * 8,001 lookups of strings up to 16 KB, about 110 ms of CPU in V8 (measured in Node 20), against
 * a Worker's 10 ms CPU limit on the Free plan (the client then gets Cloudflare's HTML error page,
 * not the router's JSON) and about 1 ms for an ordinary request on a paid plan: a cheap CPU and
 * billing amplification for anyone. No prefix can be longer than the host's longest route path,
 * so the lookups should be bounded by that, not by the request.
 */
import { describe, expect, it } from 'vitest';
import { longestPrefix } from '../../src/routing/resolve.ts';
import type { CompiledRoute } from '../../src/table/types.ts';
import { type Echo, originUrl, routerFor } from './harness.ts';

/** A Map that counts its lookups. */
class CountingMap<K, V> extends Map<K, V> {
  lookups = 0;
  override get(key: K): V | undefined {
    this.lookups++;
    return super.get(key);
  }
}

const route = (id: string) => ({ id }) as CompiledRoute;

describe('review: the route lookup of a deep path', () => {
  it('looks up no prefix longer than the longest route path of the host', () => {
    const paths = new CountingMap([
      ['/', route('root')],
      ['/a/b', route('ab')],
    ]);
    const found = longestPrefix(paths, '/a/b'.repeat(4000));
    expect(found?.id).toBe('ab');
    // `/a/b`, else `/a`, else `/`: three lookups at most, whatever follows.
    expect(paths.lookups).toBeLessThanOrEqual(3);
  });

  it('still routes a deep path to its longest prefix, through the Worker', async () => {
    const router = routerFor([
      { id: 'root', hosts: ['rdp.test'], origin: originUrl() },
      {
        id: 'deep',
        hosts: ['rdp.test'],
        path: '/echo/a/b',
        origin: originUrl(),
        headers: { response: { set: { 'X-Route': 'deep' } } },
      },
    ]);
    const path = `/echo/a/b${'/x'.repeat(2000)}`;
    const response = await router.fetch(`https://rdp.test${path}`);
    expect(response.headers.get('x-route')).toBe('deep');
    expect(((await response.json()) as Echo).url).toBe(path);
  });
});
