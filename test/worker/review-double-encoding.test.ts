/**
 * Review finding: the canonical path decodes escapes of unreserved characters in one pass, and
 * checks for a double escape (`%25` followed by two hex digits) only on the input. So `%25`
 * followed by *escaped* hex digits (`%25%32%65`) passes the check and decodes into a brand-new
 * `%252e`: the origin receives the double escape the security chapter promises is refused, and
 * an origin that decodes twice (a common framework-behind-a-proxy setup) reads `..`, `/`, `\`,
 * NUL or `;` and so a path another route protects. The same class as the `%2%65` hole of
 * issue 11, in another spelling. These tests state the expected behaviour: 400, nothing sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalPath } from '../../src/routing/canonical-path.ts';
import { originCount as count, originUrl, routerFor } from './harness.ts';

const run = crypto.randomUUID().slice(0, 8);

const router = routerFor([
  { id: 'public', hosts: ['rde.test'], path: '/count', origin: originUrl() },
  {
    id: 'secret',
    hosts: ['rde.test'],
    path: `/count/secret-${run}`,
    origin: originUrl(),
    access: { allow: ['192.0.2.1/32'] },
  },
]);

/** `%25` followed by the escapes of the two hex digits of `byte`: `%25%32%65` for 0x2e. */
const rebuilt = (byte: number) =>
  `%25${[...byte.toString(16).padStart(2, '0')].map((d) => `%${d.charCodeAt(0).toString(16)}`).join('')}`;

describe('review: a double escape rebuilt from escaped hex digits', () => {
  it('%25%32%65%25%32%65 (a future %2e%2e) is refused before anything is sent', async () => {
    const dots = `${rebuilt(0x2e)}${rebuilt(0x2e)}`;
    const response = await router.fetch(`https://rde.test/count/x/${dots}/secret-${run}`, {
      headers: { 'cf-connecting-ip': '198.51.100.9' },
    });
    const body = (await response.json()) as { error: string };
    expect(response.status).toBe(400);
    expect(body.error).toBe('bad_request');
    // What the origin would have counted it under: the double escape, one decode away from `..`.
    expect(await count(`x/%252e%252e/secret-${run}`)).toBe(0);
  });

  it('every byte the path rule refuses once escaped (/ \\ NUL CR LF ;) is refused when rebuilt', async () => {
    for (const byte of [0x2f, 0x5c, 0x00, 0x0d, 0x0a, 0x3b]) {
      const key = `b${byte}-${run}`;
      const response = await router.fetch(`https://rde.test/count/${key}${rebuilt(byte)}x`);
      await response.body?.cancel();
      expect(response.status, `byte 0x${byte.toString(16)}`).toBe(400);
    }
  });

  it('the canonical path is a fixed point: canonicalising an accepted path again changes nothing', () => {
    const unit = fc.constantFrom(
      '%25',
      '%32',
      '%35',
      '%36',
      '%63',
      '%65',
      '%66',
      '%2e',
      'a',
      '2',
      'e',
      'f',
      '/',
    );
    const path = fc.array(unit, { minLength: 1, maxLength: 8 }).map((units) => `/${units.join('')}`);
    fc.assert(
      fc.property(path, (p) => {
        const once = canonicalPath(p);
        if (!once.ok) return;
        expect(canonicalPath(once.path), `${p} -> ${once.path}`).toEqual(once);
      }),
      { numRuns: 2000 },
    );
  });
});
