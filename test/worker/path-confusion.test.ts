/**
 * The path-confusion hole, case by case, as an attacker tried it: a stray `%` before an escape
 * (`%2%65` is `%2` + `e`) used to survive the safety check and become a new `%2e` that the
 * origin's URL parser resolved, so the origin received another route's path. Every spelling is
 * now refused with 400 before anything is sent, and each test checks what the origin saw
 * (request counters on the real echo origin) and what the cache holds.
 */
import { describe, expect, it } from 'vitest';
import { originCount as count, type Echo, envRef, originUrl, routerFor } from './harness.ts';

const run = crypto.randomUUID().slice(0, 8);

const router = routerFor(
  [
    { id: 'public', hosts: ['pc.test'], path: '/count', origin: originUrl(), cache: { ttl: 60 } },
    {
      id: 'secret',
      hosts: ['pc.test'],
      path: `/count/secret-${run}`,
      origin: originUrl(),
      access: { allow: ['192.0.2.1/32'] },
      max_body: 16,
    },
    {
      id: 'based',
      hosts: ['pc.test'],
      path: '/api',
      strip_prefix: true,
      origin: `${originUrl()}/count/base-${run}`,
      headers: { request: { set: { Authorization: `Bearer ${envRef('TEST_SECRET')}` } } },
    },
    { id: 'matrix', hosts: ['pc.test'], path: '/matrix', origin: originUrl(), path_parameters: true },
  ],
  { secrets: ['TEST_SECRET'] },
);

async function expectRefused(path: string, init: RequestInit = {}): Promise<void> {
  const response = await router.fetch(`https://pc.test${path}`, {
    ...init,
    headers: { 'cf-connecting-ip': '198.51.100.9', ...init.headers },
  });
  expect(response.status, path).toBe(400);
  expect(((await response.json()) as { error: string }).error, path).toBe('bad_request');
}

/** Spellings that decode to `..` once a second parser looks: split, doubled and double-encoded. */
const DOT_DOT = ['%2%65%2%65', '%%32%65%%32%65', '%2%45%2%45', '%252e%252e', '%2e%2%65'];

describe('a stray % cannot build a new escape', () => {
  it('an access allow list on a more specific route is not bypassed: 400, the origin sees nothing', async () => {
    for (const dots of DOT_DOT) await expectRefused(`/count/x/${dots}/secret-${run}`);
    expect(await count(`secret-${run}`)).toBe(0);
  });

  it('max_body of the more specific route is not skipped', async () => {
    for (const dots of DOT_DOT) {
      await expectRefused(`/count/x/${dots}/secret-${run}`, { method: 'POST', body: 'x'.repeat(1000) });
    }
    expect(await count(`secret-${run}`)).toBe(0);
  });

  it("no response is stored under another route's cache key", async () => {
    await expectRefused(`/count/x/%2%65%2%65/secret-${run}`);
    const stored = await caches.default.match(`https://pc.test/count/x/%2e%2e/secret-${run}`);
    expect(stored).toBeUndefined();
  });

  it("strip_prefix and a base path are not escaped; the route's secret header goes nowhere else", async () => {
    for (const dots of DOT_DOT) await expectRefused(`/api/${dots}/outside-${run}`);
    expect(await count(`outside-${run}`)).toBe(0);
    // The control: inside the base, the origin gets base + the path below the prefix.
    const inside = await router.fetch(`https://pc.test/api/inside-${run}`);
    expect(((await inside.json()) as Echo).url).toBe(`/count/base-${run}/inside-${run}`);
  });

  it('encoded /, \\, NUL and CR LF built from stray % never reach the origin', async () => {
    const spellings = ['%2%66', '%2%46', '%5%63', '%5%43', '%0%30', '%0%64%0%61', '%%32%66', '%252f'];
    for (const spelled of spellings) await expectRefused(`/count/a${spelled}b-${run}`);
    // Whatever an origin would have made of each spelling, it counted none of them.
    const keys = ['/', '%2F', '%2f', '\\', '%5C', '%5c', '%00', '%0D%0A', '%0d%0a', '%2%66', '%252f'];
    for (const key of keys) expect(await count(`a${key}b-${run}`), key).toBe(0);
  });

  it('refuses a % that starts no escape at all, and escapes that are not UTF-8', async () => {
    for (const path of ['/count/100%', '/count/%zz', '/count/%C3', '/count/%C0%AE%C0%AE', '/count/%FF']) {
      await expectRefused(path);
    }
  });
});

describe('; path parameters', () => {
  it('are refused by default, in every spelling: Tomcat and Spring read /secret;x=1/y as /secret/y', async () => {
    for (const path of [
      `/count/secret-${run};x=1/y`,
      `/count/x/..;/secret-${run}`,
      '/count/a;b',
      '/count/a%3Bb',
    ]) {
      await expectRefused(path);
    }
    expect(await count(`secret-${run}`)).toBe(0);
  });

  it('pass through on a route with path_parameters: true, exactly as sent', async () => {
    const response = await router.fetch('https://pc.test/matrix/items;page=2/x;y=1');
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).url).toBe('/matrix/items;page=2/x;y=1');
  });

  it('are refused even there when cutting them would reach another route', async () => {
    await expectRefused('/matrix/..;/count');
  });

  it('are refused there when an escaped ; would reach another route once the origin decodes it', async () => {
    // An origin that decodes before it cuts parameters reads /matrix/..%3B/count as /count.
    for (const path of [
      '/matrix/..%3b/count',
      '/matrix/..%3B/count',
      '/matrix/%2e%2e%3B/count',
      '/matrix/.%2E%3bx/count',
    ]) {
      await expectRefused(path);
    }
    const kept = await router.fetch('https://pc.test/matrix/items%3Bpage=2');
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as Echo).url).toBe('/matrix/items%3Bpage=2');
  });
});
