/**
 * Matching, one rule everywhere: host (normalised; exact beats a one-label wildcard), then the
 * longest segment-aware path prefix, then the method allow-list. Each route tags its answers
 * with X-Route, so a test sees which route served a request; the echo origin shows what
 * upstream received.
 */
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../scripts/compiler/compile.ts';
import type { RawRoute } from '../../scripts/compiler/config.ts';
import { createResolver } from '../../src/routing/resolve.ts';
import { type Echo, originUrl, routerFor } from './harness.ts';

/** A proxied route whose answers say which route served them. */
const tagged = (id: string, hosts: string[], extra: Partial<RawRoute> = {}): RawRoute => ({
  id,
  hosts,
  origin: originUrl(),
  headers: { response: { set: { 'X-Route': id } } },
  ...extra,
});

const routes: RawRoute[] = [
  tagged('apex', ['example.com']),
  tagged('api-exact', ['api.example.com']),
  tagged('any-sub', ['*.example.com']),
  tagged('only-exact', ['only.example.com'], { path: '/only' }),
  // Declared shortest first on purpose: the longest prefix must win regardless of order.
  tagged('app-root', ['app.example.com']),
  tagged('app-api', ['app.example.com'], { path: '/api' }),
  tagged('app-api-v1', ['app.example.com'], { path: '/api/v1' }),
  tagged('app-get-post', ['app.example.com'], { path: '/limited', methods: ['GET', 'POST'] }),
];
const router = routerFor(routes);

async function routeOf(url: string, init?: RequestInit): Promise<string | null> {
  const response = await router.fetch(url, init);
  await response.body?.cancel();
  return response.headers.get('x-route');
}

describe('host matching', () => {
  it('lower-cases the host and drops a default port', async () => {
    expect(await routeOf('https://API.Example.com:443/x')).toBe('api-exact');
    expect(await routeOf('https://EXAMPLE.COM/')).toBe('apex');
  });

  it('drops any port: api.example.com:8443 is api.example.com', async () => {
    const response = await router.fetch('https://api.example.com:8443/echo');
    expect(response.headers.get('x-route')).toBe('api-exact');
    const echo = (await response.json()) as Echo;
    // The origin still learns the host as the client addressed it.
    expect(echo.headers['x-forwarded-host']).toBe('api.example.com:8443');
  });

  it('drops a trailing dot', async () => {
    expect(await routeOf('https://example.com./')).toBe('apex');
    expect(await routeOf('https://api.example.com./x')).toBe('api-exact');
    expect(await routeOf('https://zzz.example.com./x')).toBe('any-sub');
  });

  it('normalises raw Host values in the shared resolver (as explain and route tests see them)', () => {
    const { resolve } = createResolver(compileConfig({ version: 1, routes }));
    expect(resolve('API.Example.com:443', '/x')?.route.id).toBe('api-exact');
    expect(resolve('API.EXAMPLE.COM.:8443', '/x')?.route.id).toBe('api-exact');
    expect(resolve('example.com.', '/')?.route.id).toBe('apex');
    expect(resolve('Sub.Example.Com.', '/')?.route.id).toBe('any-sub');
    expect(resolve('a.b.example.com', '/')).toBeNull();
  });

  it('prefers an exact host over a wildcard that also covers it', async () => {
    expect(await routeOf('https://api.example.com/')).toBe('api-exact');
    expect(await routeOf('https://www.example.com/')).toBe('any-sub');
  });

  it('matches a wildcard on exactly one label', async () => {
    expect(await routeOf('https://a.example.com/')).toBe('any-sub');
    expect(await routeOf('https://x-1.example.com/deep/path')).toBe('any-sub');
    // Two labels: no route (the wildcard is *.example.com, not **.example.com).
    const deep = await router.fetch('https://a.b.example.com/');
    expect(deep.status).toBe(404);
    expect(((await deep.json()) as { error: string }).error).toBe('no_route');
    // The apex is its own exact route, never the wildcard's.
    expect(await routeOf('https://example.com/')).toBe('apex');
  });

  it('never matches a look-alike host', async () => {
    for (const host of ['evil-example.com', 'example.com.evil.test', 'notexample.com', 'example.co']) {
      const response = await router.fetch(`https://${host}/`);
      expect(response.status, host).toBe(404);
      expect(((await response.json()) as { error: string }).error, host).toBe('no_route');
    }
  });

  it('answers hosts named like Object.prototype members with 404, not a crash', async () => {
    for (const host of ['constructor', '__proto__', 'a.__proto__', 'a.constructor', 'hasownproperty']) {
      const response = await router.fetch(`https://${host}/x`);
      expect(response.status, host).toBe(404);
      expect(((await response.json()) as { error: string }).error, host).toBe('no_route');
    }
  });

  it('answers an unknown host with 404 no_route JSON', async () => {
    const response = await router.fetch('https://unknown.test/some/path?q=1');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['error', 'message', 'request_id']);
    expect(body.error).toBe('no_route');
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
  });

  it('chooses the host first: an exact host without a matching path is 404, not the wildcard', async () => {
    expect(await routeOf('https://only.example.com/only/x')).toBe('only-exact');
    const response = await router.fetch('https://only.example.com/elsewhere');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe('no_route');
  });
});

describe('path matching', () => {
  it('is segment-aware: /api matches /api, /api/, /api/x and /api?q, never /apiary', async () => {
    for (const path of ['/api', '/api/', '/api/x', '/api?q', '/api/?q=1', '/api/x/y']) {
      expect(await routeOf(`https://app.example.com${path}`), path).toBe('app-api');
    }
    for (const path of ['/apiary', '/api-v2', '/ap', '/', '/x/api']) {
      expect(await routeOf(`https://app.example.com${path}`), path).toBe('app-root');
    }
  });

  it('picks the longest matching prefix, whatever the declaration order', async () => {
    expect(await routeOf('https://app.example.com/api/v1')).toBe('app-api-v1');
    expect(await routeOf('https://app.example.com/api/v1/users?id=3')).toBe('app-api-v1');
    expect(await routeOf('https://app.example.com/api/v10')).toBe('app-api');
    expect(await routeOf('https://app.example.com/api/v')).toBe('app-api');
  });

  it('is case-sensitive, as paths are, and refuses what only case separates from another route', async () => {
    expect(await routeOf('https://app.example.com/Docs/API')).toBe('app-root');
    // Express (by default), ASP.NET and IIS would serve /API/x as /api/x, which app-api guards.
    const response = await router.fetch('https://app.example.com/API/x');
    await response.body?.cancel();
    expect(response.status).toBe(400);
  });

  it('sends the origin the matched path and the query untouched', async () => {
    const response = await router.fetch('https://app.example.com/api/v1/users?id=3&id=4');
    const echo = (await response.json()) as Echo;
    expect(echo.url).toBe('/api/v1/users?id=3&id=4');
  });
});

describe('methods', () => {
  it('answers a method outside the allow-list with 405, Allow and JSON, without contacting the origin', async () => {
    const key = `m405-${crypto.randomUUID()}`;
    const response = await router.fetch(`https://app.example.com/limited/count/${key}`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    const body = (await response.json()) as Record<string, string>;
    expect(body.error).toBe('method_not_allowed');
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
    const count = await fetch(`${originUrl()}/__count/${key}`);
    expect(((await count.json()) as { count: number }).count).toBe(0);
  });

  it('allows HEAD where GET is allowed, and the listed methods', async () => {
    const head = await router.fetch('https://app.example.com/limited/x', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-route')).toBe('app-get-post');
    const post = await router.fetch('https://app.example.com/limited/x', { method: 'POST', body: 'hi' });
    const echo = (await post.json()) as Echo;
    expect(echo.method).toBe('POST');
    expect(echo.bodyLength).toBe(2);
    for (const method of ['PUT', 'PATCH', 'OPTIONS']) {
      const response = await router.fetch('https://app.example.com/limited/x', { method });
      await response.body?.cancel();
      expect(response.status, method).toBe(405);
    }
  });

  it('lets any method through on a route without methods', async () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await router.fetch('https://app.example.com/x', { method });
      await response.body?.cancel();
      expect(response.status, method).toBe(200);
    }
  });
});

describe('percent-encoded route paths', () => {
  it('normalises a route prefix the way it normalises requests, so encodings never decide the route', async () => {
    const encoded = routerFor([
      tagged('root', ['enc.example.com']),
      tagged('cafe', ['enc.example.com'], { path: '/caf%c3%a9' }),
      tagged('api', ['enc.example.com'], { path: '/%61pi' }),
    ]);
    const routeFor = async (url: string) => {
      const response = await encoded.fetch(url);
      await response.body?.cancel();
      return response.headers.get('x-route');
    };
    expect(await routeFor('https://enc.example.com/caf%C3%A9/menu')).toBe('cafe');
    expect(await routeFor('https://enc.example.com/café/menu')).toBe('cafe');
    expect(await routeFor('https://enc.example.com/api/x')).toBe('api');
    expect(await routeFor('https://enc.example.com/%61pi/x')).toBe('api');
    expect(await routeFor('https://enc.example.com/apiary')).toBe('root');
  });
});
