/**
 * The upstream URL: origin base path + request path (minus the prefix with strip_prefix) + the
 * query string byte for byte. The echo origin reports the request target it received.
 */
import { describe, expect, it } from 'vitest';
import { upstreamUrl } from '../../src/routing/upstream.ts';
import { type Echo, originUrl, routerFor } from './harness.ts';

const router = routerFor([
  { id: 'strip', hosts: ['up.test'], path: '/api', origin: originUrl(), strip_prefix: true },
  { id: 'keep', hosts: ['up.test'], path: '/keep', origin: originUrl() },
  { id: 'base-strip', hosts: ['up.test'], path: '/b', origin: `${originUrl()}/base`, strip_prefix: true },
  { id: 'base-keep', hosts: ['up.test'], path: '/bk', origin: `${originUrl()}/base/` },
  { id: 'base-root', hosts: ['root.test'], origin: `${originUrl()}/base` },
  { id: 'root', hosts: ['plain.test'], origin: originUrl(), strip_prefix: true },
]);

/** The request target (path + query) the origin received for `url`. */
async function upstream(url: string): Promise<string> {
  const response = await router.fetch(url);
  expect(response.status, url).toBe(200);
  return ((await response.json()) as Echo).url;
}

describe('strip_prefix', () => {
  it('removes /api from /api, /api/, /api/api/x and keeps the query byte for byte', async () => {
    expect(await upstream('https://up.test/api')).toBe('/');
    expect(await upstream('https://up.test/api/')).toBe('/');
    expect(await upstream('https://up.test/api/x')).toBe('/x');
    expect(await upstream('https://up.test/api/api/x')).toBe('/api/x');
    expect(await upstream('https://up.test/api?q=1&q=2')).toBe('/?q=1&q=2');
    expect(await upstream('https://up.test/api/?q=1&q=2')).toBe('/?q=1&q=2');
  });

  it('leaves the path whole without strip_prefix, and on a / route', async () => {
    expect(await upstream('https://up.test/keep')).toBe('/keep');
    expect(await upstream('https://up.test/keep/x?y')).toBe('/keep/x?y');
    expect(await upstream('https://plain.test/x/y?z=1')).toBe('/x/y?z=1');
  });
});

describe('origin base path', () => {
  it('prefixes the forwarded path', async () => {
    expect(await upstream('https://up.test/b')).toBe('/base');
    expect(await upstream('https://up.test/b/')).toBe('/base/');
    expect(await upstream('https://up.test/b/x?q=1')).toBe('/base/x?q=1');
    expect(await upstream('https://up.test/bk/x')).toBe('/base/bk/x');
    expect(await upstream('https://root.test/')).toBe('/base/');
    expect(await upstream('https://root.test/a/b')).toBe('/base/a/b');
  });
});

describe('query string', () => {
  it('is forwarded byte for byte: repeats, order, empty values, escapes and their case', async () => {
    const queries = [
      '?q=1&q=2',
      '?b=2&a=1&b=1',
      '?a=&&b&=c',
      '?x=%2F..%2Fadmin&y=%2f',
      '?x=a+b%20c%2Bd',
      '?json=%7B%22a%22:1%7D',
      '?%E2%9C%93=%e2%9c%93',
      '?a=1;b=2',
      '?',
    ];
    for (const query of queries) {
      expect(await upstream(`https://up.test/keep/q${query}`), query).toBe(`/keep/q${query}`);
    }
  });

  it('never sends the fragment, nor takes a ? inside it for a query', async () => {
    expect(await upstream('https://up.test/keep/x?a=1#frag?b=2')).toBe('/keep/x?a=1');
    expect(await upstream('https://up.test/keep/x#frag?b=2')).toBe('/keep/x');
  });

  it('sends characters the client left raw as the URL parser encodes them', async () => {
    // A raw space or quote cannot travel in a request line; the parser encodes it once.
    expect(await upstream('https://up.test/keep/x?a=\'b c"')).toBe('/keep/x?a=%27b%20c%22');
  });
});

describe('upstreamUrl', () => {
  const origin = { origin: 'https://o.example', basePath: '/v2' };
  it('joins base path, forwarded path and query', () => {
    expect(upstreamUrl({ path: '/api', stripPrefix: true }, origin, '/api/x', '?q=1')?.href).toBe(
      'https://o.example/v2/x?q=1',
    );
    expect(upstreamUrl({ path: '/api', stripPrefix: true }, origin, '/api', '')?.href).toBe(
      'https://o.example/v2',
    );
    expect(upstreamUrl({ path: '/api', stripPrefix: false }, origin, '/api/x', '')?.href).toBe(
      'https://o.example/v2/api/x',
    );
    expect(upstreamUrl({ path: '/', stripPrefix: true }, { ...origin, basePath: '' }, '/', '?')?.href).toBe(
      'https://o.example/?',
    );
    expect(
      upstreamUrl({ path: '/api', stripPrefix: true }, { ...origin, basePath: '' }, '/api', '?a')?.href,
    ).toBe('https://o.example/?a');
  });
});
