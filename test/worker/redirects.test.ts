/**
 * Redirects both ways: an origin's `Location` that points at the origin reaches the client as the
 * public URL (the router never follows it), and redirect routes answer at the edge.
 */
import { describe, expect, it } from 'vitest';
import { redirectTarget } from '../../src/pipeline/redirect.ts';
import { publicLocation } from '../../src/routing/upstream.ts';
import { originUrl, routerFor } from './harness.ts';

const proxy = routerFor([
  { id: 'site', hosts: ['site.test'], origin: originUrl() },
  { id: 'api', hosts: ['site.test'], path: '/api', origin: originUrl(), strip_prefix: true },
]);

/** The Location the client sees when the origin answers 302 Location: `to`. */
async function location(publicPath: string, to: string, base = 'https://site.test'): Promise<string | null> {
  const response = await proxy.fetch(`${base}${publicPath}?to=${encodeURIComponent(to)}`);
  await response.body?.cancel();
  expect(response.status).toBe(302);
  return response.headers.get('location');
}

describe('Location from the origin', () => {
  it('rewrites an absolute URL on the origin to the public host', async () => {
    expect(await location('/redirect', `${originUrl()}/x`)).toBe('https://site.test/x');
    expect(await location('/redirect', `${originUrl()}/x/y?a=1&a=2#top`)).toBe(
      'https://site.test/x/y?a=1&a=2#top',
    );
    expect(await location('/redirect', `${originUrl()}`)).toBe('https://site.test/');
  });

  it('keeps the public scheme and port the client used', async () => {
    expect(await location('/redirect', `${originUrl()}/x`, 'http://site.test:8080')).toBe(
      'http://site.test:8080/x',
    );
  });

  it('puts the route prefix back with strip_prefix, for absolute and relative Locations', async () => {
    expect(await location('/api/redirect', `${originUrl()}/x`)).toBe('https://site.test/api/x');
    expect(await location('/api/redirect', `${originUrl()}/`)).toBe('https://site.test/api/');
    expect(await location('/api/redirect', '/x?q=1')).toBe('/api/x?q=1');
    expect(await location('/api/redirect', `//${originUrl().slice('http://'.length)}/x`)).toBe(
      'https://site.test/api/x',
    );
  });

  it('leaves a relative Location alone without strip_prefix', async () => {
    expect(await location('/redirect', '/x')).toBe('/x');
    expect(await location('/redirect', '/docs/next?a=1')).toBe('/docs/next?a=1');
    expect(await location('/api/redirect', 'next')).toBe('next');
    expect(await location('/api/redirect', '../up')).toBe('../up');
  });

  it('leaves a third-party Location untouched', async () => {
    for (const to of [
      'https://elsewhere.example/x',
      `https://127.0.0.1:${Number(new URL(originUrl()).port) + 1}/x`,
      '//elsewhere.example/x',
      'mailto:someone@example.com',
    ]) {
      expect(await location('/api/redirect', to), to).toBe(to);
    }
  });

  it("never turns an origin's same-host Location into one a browser reads as another host", async () => {
    // The parser resolves each of these to a path starting with `//`; sent back relative, that
    // path would be a scheme-relative URL naming evil.example.
    const sameHost = [
      '/.//evil.example/x',
      '/a/..//evil.example/x',
      '/%2e//evil.example/x',
      '/a/../\\evil.example/x',
      '/./\\evil.example/x?q#f',
    ];
    for (const to of sameHost) {
      for (const publicPath of ['/redirect', '/api/redirect']) {
        const sent = await location(publicPath, to);
        expect(new URL(sent as string, 'https://site.test/x').host, `${publicPath} ${to} -> ${sent}`).toBe(
          'site.test',
        );
      }
    }
    expect(await location('/redirect', '/.//evil.example/x')).toBe('https://site.test//evil.example/x');
  });

  it('never follows a redirect: the client gets the 302, the target is never fetched', async () => {
    const key = `nofollow-${crypto.randomUUID()}`;
    const response = await proxy.fetch(
      `https://site.test/redirect?to=${encodeURIComponent(`${originUrl()}/count/${key}`)}`,
    );
    expect(response.status).toBe(302);
    expect(await response.text()).toBe('moved');
    expect(response.headers.get('location')).toBe(`https://site.test/count/${key}`);
    const count = await fetch(`${originUrl()}/__count/${key}`);
    expect(((await count.json()) as { count: number }).count).toBe(0);
  });
});

describe('publicLocation', () => {
  const origin = { origin: 'https://o.example', basePath: '/v2' };
  const strip = { path: '/api', stripPrefix: true };
  const pub = 'https://api.example.com';
  it('maps the origin base path back to the route prefix', () => {
    expect(publicLocation('https://o.example/v2/next', strip, origin, pub)).toBe(
      'https://api.example.com/api/next',
    );
    expect(publicLocation('https://o.example/v2', strip, origin, pub)).toBe('https://api.example.com/api/');
    expect(publicLocation('/v2/next?a#b', strip, origin, pub)).toBe('/api/next?a#b');
    expect(publicLocation('https://O.EXAMPLE:443/v2/n', strip, origin, pub)).toBe(
      'https://api.example.com/api/n',
    );
  });
  it('keeps the public host when the path below the base path starts with //', () => {
    const root = { path: '/', stripPrefix: false };
    for (const to of [
      '/v2//evil.example/x',
      'https://o.example/v2//evil.example/x',
      '/v2/.//evil.example/x',
    ]) {
      const sent = publicLocation(to, root, origin, pub);
      expect(new URL(sent, `${pub}/`).host, `${to} -> ${sent}`).toBe('api.example.com');
    }
  });
  it('leaves URLs outside the base path, on other hosts or schemes, alone', () => {
    expect(publicLocation('https://o.example/other', strip, origin, pub)).toBe('https://o.example/other');
    expect(publicLocation('https://o.example/v2x', strip, origin, pub)).toBe('https://o.example/v2x');
    expect(publicLocation('http://o.example/v2/x', strip, origin, pub)).toBe('http://o.example/v2/x');
    expect(publicLocation('https://o.example.evil/v2/x', strip, origin, pub)).toBe(
      'https://o.example.evil/v2/x',
    );
  });
});

describe('redirect routes', () => {
  const redirects = routerFor([
    { id: 'r301', hosts: ['r301.test'], redirect: { to: 'https://new.example', status: 301 } },
    { id: 'r302', hosts: ['r302.test'], redirect: { to: 'https://new.example/', status: 302 } },
    { id: 'r307', hosts: ['r307.test'], redirect: { to: 'https://new.example/base', status: 307 } },
    { id: 'r308', hosts: ['r308.test'], redirect: { to: 'https://new.example/base/', status: 308 } },
    { id: 'default', hosts: ['default.test'], redirect: { to: 'https://new.example' } },
    { id: 'fixed', hosts: ['fixed.test'], redirect: { to: 'https://new.example/landing', keep_path: false } },
    {
      id: 'old',
      hosts: ['prefix.test'],
      path: '/old',
      redirect: { to: 'https://new.example/new', status: 308 },
    },
    {
      id: 'tagged',
      hosts: ['tagged.test'],
      redirect: { to: 'https://new.example/?utm=old#top', status: 302 },
    },
    { id: 'prefix-rest', hosts: ['prefix.test'], origin: originUrl() },
  ]);

  async function answer(url: string, init?: RequestInit) {
    const response = await redirects.fetch(url, init);
    expect(await response.text()).toBe('');
    return { status: response.status, location: response.headers.get('location') };
  }

  it('answers with the configured status and keeps path and query by default', async () => {
    expect(await answer('https://r301.test/a/b?q=1&q=2')).toEqual({
      status: 301,
      location: 'https://new.example/a/b?q=1&q=2',
    });
    expect(await answer('https://r302.test/a/b?q=1')).toEqual({
      status: 302,
      location: 'https://new.example/a/b?q=1',
    });
    expect(await answer('https://r307.test/a?x=%2F')).toEqual({
      status: 307,
      location: 'https://new.example/base/a?x=%2F',
    });
    expect(await answer('https://r308.test/a/')).toEqual({
      status: 308,
      location: 'https://new.example/base/a/',
    });
    expect(await answer('https://default.test/p')).toEqual({
      status: 301,
      location: 'https://new.example/p',
    });
  });

  it('joins the bare request path with the target without doubling or losing slashes', async () => {
    expect((await answer('https://r301.test/')).location).toBe('https://new.example/');
    expect((await answer('https://r307.test/')).location).toBe('https://new.example/base/');
    expect((await answer('https://prefix.test/old')).location).toBe('https://new.example/new');
    expect((await answer('https://prefix.test/old/')).location).toBe('https://new.example/new/');
    expect((await answer('https://prefix.test/old/x/y?z=1')).location).toBe(
      'https://new.example/new/x/y?z=1',
    );
    expect((await answer('https://prefix.test/old?z=1')).location).toBe('https://new.example/new?z=1');
  });

  it('sends the target exactly as written with keep_path: false', async () => {
    expect(await answer('https://fixed.test/a/b?q=1')).toEqual({
      status: 301,
      location: 'https://new.example/landing',
    });
  });

  it('merges the target query with the request query and keeps the target fragment last', async () => {
    expect((await answer('https://tagged.test/a?q=1')).location).toBe(
      'https://new.example/a?utm=old&q=1#top',
    );
    expect((await answer('https://tagged.test/')).location).toBe('https://new.example/?utm=old#top');
  });

  it('answers every method at the edge and only on its own prefix', async () => {
    expect(await answer('https://prefix.test/old/form', { method: 'POST', body: 'x' })).toEqual({
      status: 308,
      location: 'https://new.example/new/form',
    });
    const rest = await redirects.fetch('https://prefix.test/older');
    expect(rest.status).toBe(200);
    await rest.body?.cancel();
  });

  it('carries a request id and logs like any answer', async () => {
    const response = await redirects.fetch('https://r301.test/a', {
      headers: { 'x-request-id': 'redirect-0001' },
    });
    expect(response.headers.get('x-request-id')).toBe('redirect-0001');
  });

  it('redirectTarget handles every target shape', () => {
    expect(redirectTarget('https://n.example', '', '')).toBe('https://n.example/');
    expect(redirectTarget('https://n.example', '/a', '?')).toBe('https://n.example/a?');
    expect(redirectTarget('https://n.example/x/', '', '?q')).toBe('https://n.example/x/?q');
    expect(redirectTarget('https://n.example/x?a=1', '/y', '')).toBe('https://n.example/x/y?a=1');
    expect(redirectTarget('https://n.example#f', '/y', '?b')).toBe('https://n.example/y?b#f');
  });
});
