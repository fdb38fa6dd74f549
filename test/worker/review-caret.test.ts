/**
 * The Worker's side of test/cli/review-explain-caret.test.ts (a review finding): in workerd a
 * `^` in the request path arrives percent-encoded, so `/a^b/secret` is `/a%5Eb/secret`, matches
 * the route `/a%5Eb` and its allow list, and is what the origin would receive. This is the edge's
 * behaviour that `explain` (run in Node) must report.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originUrl, routerFor } from './harness.ts';

const router = routerFor([
  { id: 'root', hosts: ['caret.test'], origin: originUrl() },
  {
    id: 'caret',
    hosts: ['caret.test'],
    path: '/a%5Eb',
    origin: originUrl(),
    access: { allow: ['192.0.2.1/32'] },
  },
]);

describe('review: a path with ^ in the Worker', () => {
  it('matches the route spelled with %5E and applies its allow list', async () => {
    const refused = await router.fetch('https://caret.test/a^b/secret', {
      headers: { 'cf-connecting-ip': '198.51.100.9' },
    });
    await refused.body?.cancel();
    expect(refused.status).toBe(403);
    const allowed = await router.fetch('https://caret.test/a^b/secret', {
      headers: { 'cf-connecting-ip': '192.0.2.1' },
    });
    expect(((await allowed.json()) as Echo).url).toBe('/a%5Eb/secret');
  });
});
