/**
 * CORS, end to end inside workerd: preflights answered at the edge (and proven never to reach
 * the real origin through its request counter), actual responses carrying exactly the headers
 * the route's policy allows, origin patterns, and routes without a policy left alone.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originCount, originUrl, routerFor } from './harness.ts';

const APP = 'https://app.example.com';
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
/** Keys for the origin's counter: unique per run so nothing is shared with other files or runs. */
const run = crypto.randomUUID().slice(0, 8);
const key = (name: string) => `cors-${name}-${run}`;

const router = routerFor([
  {
    id: 'exact',
    hosts: ['cors.test'],
    path: '/exact',
    strip_prefix: true,
    origin: originUrl(),
    // The route's own method list has no OPTIONS: a preflight is answered before that check.
    methods: ['GET', 'POST', 'PUT'],
    cors: {
      origins: [APP, 'http://localhost:5173'],
      methods: ['GET', 'POST', 'PUT'],
      headers: ['Content-Type', 'Authorization', 'X-Trace'],
      expose: ['X-Origin-Name', 'X-Request-Id'],
      credentials: true,
      max_age: 600,
    },
  },
  {
    id: 'any',
    hosts: ['cors.test'],
    path: '/any',
    strip_prefix: true,
    origin: originUrl(),
    cors: { origins: ['*'], methods: ['GET', 'POST'], headers: ['*'], expose: ['X-Origin-Name'] },
  },
  {
    id: 'wild',
    hosts: ['cors.test'],
    path: '/wild',
    strip_prefix: true,
    origin: originUrl(),
    cors: { origins: ['https://*.example.com'], headers: ['Content-Type'] },
  },
  { id: 'plain', hosts: ['cors.test'], path: '/plain', strip_prefix: true, origin: originUrl() },
]);

function preflight(path: string, origin: string, method: string, headers?: string): Promise<Response> {
  const init: Record<string, string> = { origin, 'access-control-request-method': method };
  if (headers !== undefined) init['access-control-request-headers'] = headers;
  return router.fetch(`https://cors.test${path}`, { method: 'OPTIONS', headers: init });
}

/** Every Access-Control-* header of a response, as [name, value] pairs. */
function corsHeadersOf(response: Response): Array<[string, string]> {
  return [...response.headers].filter(([name]) => name.startsWith('access-control-'));
}

async function expectRefusedPreflight(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; message: string; request_id: string };
  expect(body.error).toBe('forbidden');
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
  expect(corsHeadersOf(response)).toEqual([]);
}

describe('CORS preflight', () => {
  it('answers an allowed preflight at the edge with 204 and exactly the policy headers', async () => {
    const name = key('preflight-ok');
    const response = await preflight(`/exact/count/${name}`, APP, 'PUT', 'content-type, x-trace');
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization, X-Trace');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toBe(PREFLIGHT_VARY);
    // Expose-Headers belongs on actual responses; a preflight has no use for it.
    expect(response.headers.get('access-control-expose-headers')).toBeNull();
    expect(await originCount(name)).toBe(0);
  });

  it('allows a preflight that asks for no headers, and one that asks for Authorization by name', async () => {
    const bare = await preflight(`/exact/count/${key('preflight-bare')}`, APP, 'POST');
    expect(bare.status).toBe(204);
    const auth = await preflight(`/exact/count/${key('preflight-auth')}`, APP, 'POST', 'Authorization');
    expect(auth.status).toBe(204);
    expect(auth.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization, X-Trace');
  });

  it('refuses a preflight asking for a header the list does not hold, without reaching the origin', async () => {
    const name = key('preflight-header');
    await expectRefusedPreflight(
      await preflight(`/exact/count/${name}`, APP, 'POST', 'content-type, x-other'),
    );
    expect(await originCount(name)).toBe(0);
  });

  it("lets '*' in headers cover any header except Authorization", async () => {
    const ok = await preflight(
      `/any/count/${key('star-ok')}`,
      'https://site.test',
      'POST',
      'x-anything, x-more',
    );
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect(ok.headers.get('access-control-allow-headers')).toBe('x-anything, x-more');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('vary')).toBe(PREFLIGHT_VARY);

    const name = key('star-auth');
    await expectRefusedPreflight(
      await preflight(`/any/count/${name}`, 'https://site.test', 'POST', 'x-anything, authorization'),
    );
    expect(await originCount(name)).toBe(0);
  });

  it('refuses a disallowed origin or method with 403 JSON and no CORS headers, never forwarded', async () => {
    const name = key('preflight-refused');
    await expectRefusedPreflight(await preflight(`/exact/count/${name}`, 'https://evil.test', 'GET'));
    await expectRefusedPreflight(await preflight(`/exact/count/${name}`, APP, 'DELETE'));
    await expectRefusedPreflight(await preflight(`/any/count/${name}`, 'https://site.test', 'PATCH'));
    expect(await originCount(name)).toBe(0);
  });

  it('treats a plain OPTIONS without Access-Control-Request-Method as an actual request', async () => {
    const name = key('plain-options');
    const response = await router.fetch(`https://cors.test/any/count/${name}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://site.test' },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).method).toBe('OPTIONS');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
    expect(await originCount(name)).toBe(1);
  });

  it('forwards a preflight on a route without cors to the origin, untouched', async () => {
    const name = key('plain-preflight');
    const response = await preflight(`/plain/count/${name}`, APP, 'PUT');
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).headers['access-control-request-method']).toBe('PUT');
    expect(corsHeadersOf(response)).toEqual([]);
    expect(await originCount(name)).toBe(1);
  });
});

describe('CORS on actual responses', () => {
  it('gives an allowed origin its own ACAO, credentials, expose headers and Vary: Origin', async () => {
    const response = await router.fetch('https://cors.test/exact/echo/a', { headers: { origin: APP } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-expose-headers')).toBe('X-Origin-Name, X-Request-Id');
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
    expect(response.headers.get('vary')).toBe('Origin');

    const other = await router.fetch('https://cors.test/exact/echo/a', {
      headers: { origin: 'http://localhost:5173' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('gives a disallowed origin, or no Origin at all, no CORS headers but still Vary: Origin', async () => {
    for (const headers of [{ origin: 'https://evil.test' }, {} as Record<string, string>]) {
      const response = await router.fetch('https://cors.test/exact/echo/b', { headers });
      expect(response.status).toBe(200);
      expect(corsHeadersOf(response)).toEqual([]);
      expect(response.headers.get('vary')).toBe('Origin');
    }
  });

  it("answers '*' to everyone under a '*' policy without credentials, with no Vary: Origin", async () => {
    for (const headers of [{ origin: 'https://anyone.test' }, {} as Record<string, string>]) {
      const response = await router.fetch('https://cors.test/any/echo/c', { headers });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('access-control-expose-headers')).toBe('X-Origin-Name');
      expect(response.headers.get('vary')).toBeNull();
    }
  });

  it("replaces the origin's own Access-Control-* headers", async () => {
    const query =
      '?h=Access-Control-Allow-Origin:https://evil&h=Access-Control-Allow-Credentials:false' +
      '&h=Access-Control-Expose-Headers:Secret&h=Access-Control-Allow-Methods:TRACE';
    const allowed = await router.fetch(`https://cors.test/exact/respond${query}`, {
      headers: { origin: APP },
    });
    expect(corsHeadersOf(allowed).sort()).toEqual([
      ['access-control-allow-credentials', 'true'],
      ['access-control-allow-origin', APP],
      ['access-control-expose-headers', 'X-Origin-Name, X-Request-Id'],
    ]);

    const refused = await router.fetch(`https://cors.test/exact/respond${query}`, {
      headers: { origin: 'https://evil' },
    });
    expect(corsHeadersOf(refused)).toEqual([]);

    const star = await router.fetch(`https://cors.test/any/respond${query}`, { headers: { origin: APP } });
    expect(corsHeadersOf(star).sort()).toEqual([
      ['access-control-allow-origin', '*'],
      ['access-control-expose-headers', 'X-Origin-Name'],
    ]);
  });

  it("keeps the origin's Vary and adds Origin to it once", async () => {
    const merged = await router.fetch('https://cors.test/exact/respond?h=Vary:Accept-Encoding', {
      headers: { origin: APP },
    });
    expect(merged.headers.get('vary')).toBe('Accept-Encoding, Origin');
    const already = await router.fetch('https://cors.test/exact/respond?h=Vary:origin', {
      headers: { origin: APP },
    });
    expect(already.headers.get('vary')).toBe('origin');
  });

  it("puts the route's CORS headers on the router's own errors, so the page can read them", async () => {
    const response = await router.fetch('https://cors.test/exact/echo/e', {
      method: 'DELETE',
      headers: { origin: APP },
    });
    expect(response.status).toBe(405);
    expect(((await response.json()) as { error: string }).error).toBe('method_not_allowed');
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('puts them on a path refused after routing too (a review found it bare)', async () => {
    for (const path of ['/exact/a;b', '/exact/%EF%BD%81dmin/..%3B/x']) {
      const response = await router.fetch(`https://cors.test${path}`, { headers: { origin: APP } });
      expect(response.status, path).toBe(400);
      expect(response.headers.get('access-control-allow-origin'), path).toBe(APP);
      expect(response.headers.get('vary'), path).toBe('Origin');
    }
  });

  it("leaves the origin's headers untouched on a route without cors", async () => {
    const response = await router.fetch(
      'https://cors.test/plain/respond?h=Access-Control-Allow-Origin:https://evil&h=Vary:Accept-Encoding',
      { headers: { origin: APP } },
    );
    expect(corsHeadersOf(response)).toEqual([['access-control-allow-origin', 'https://evil']]);
    expect(response.headers.get('vary')).toBe('Accept-Encoding');

    const bare = await router.fetch('https://cors.test/plain/echo/d', { headers: { origin: APP } });
    expect(corsHeadersOf(bare)).toEqual([]);
    expect(bare.headers.get('vary')).toBeNull();
  });
});

describe('CORS origin patterns', () => {
  const allowed = ['https://a.example.com', 'https://app-1.example.com', 'https://A.Example.com'];
  const refused = [
    'null',
    'https://example.com', // the wildcard needs exactly one label
    'https://a.b.example.com',
    'http://a.example.com', // the scheme must match
    'https://a.example.com:8443',
    'https://example.com.evil.net',
    'https://evilexample.com',
    'https://a.example.com.evil.net',
    'https://-.example.com',
  ];

  it.each(allowed)('https://*.example.com allows %s (preflight and actual)', async (origin) => {
    const pre = await preflight('/wild/echo/p', origin, 'POST', 'content-type');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
    const actual = await router.fetch('https://cors.test/wild/echo/p', { headers: { origin } });
    expect(actual.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it.each(refused)('https://*.example.com refuses %s (preflight and actual)', async (origin) => {
    const name = key(`wild-${refused.indexOf(origin)}`);
    await expectRefusedPreflight(await preflight(`/wild/count/${name}`, origin, 'POST'));
    expect(await originCount(name)).toBe(0);
    const actual = await router.fetch(`https://cors.test/wild/echo/p`, { headers: { origin } });
    expect(corsHeadersOf(actual)).toEqual([]);
    expect(actual.headers.get('vary')).toBe('Origin');
  });

  it.each([
    'null',
    'http://app.example.com',
    'https://app.example.com.evil.net',
    'https://evilapp.example.com',
    'https://x.app.example.com',
    'https://app.example.com:444',
  ])('an exact origin list refuses %s', async (origin) => {
    await expectRefusedPreflight(await preflight('/exact/echo/q', origin, 'GET'));
    const actual = await router.fetch('https://cors.test/exact/echo/q', { headers: { origin } });
    expect(corsHeadersOf(actual)).toEqual([]);
  });
});

describe('CORS origins written with a port', () => {
  // Browsers leave the scheme's default port and leading zeros out of Origin: the list is
  // compared in that form, so these entries are not dead.
  const ports = routerFor([
    {
      id: 'ports',
      hosts: ['cors.test'],
      origin: originUrl(),
      cors: { origins: ['https://APP.example.com:443', 'http://localhost:05173', 'http://dev.test:80'] },
    },
  ]);

  it.each(['https://app.example.com', 'http://localhost:5173', 'http://dev.test'])(
    'allows %s, as a browser sends it',
    async (origin) => {
      const response = await ports.fetch('https://cors.test/echo/p', { headers: { origin } });
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    },
  );

  it.each(['https://app.example.com:443', 'http://localhost:05173', 'https://dev.test'])(
    'refuses %s, which is no browser origin or another scheme',
    async (origin) => {
      const response = await ports.fetch('https://cors.test/echo/p', { headers: { origin } });
      expect(corsHeadersOf(response)).toEqual([]);
    },
  );
});

describe('CORS methods default to the route methods', () => {
  it('refuses a preflight for a method the route itself would answer with 405', async () => {
    const router = routerFor([
      {
        id: 'read-only',
        hosts: ['ro.cors.test'],
        origin: originUrl(),
        methods: ['GET'],
        cors: { origins: ['https://app.example.com'] },
      },
    ]);
    const ask = (method: string) =>
      router.fetch('https://ro.cors.test/x', {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': method },
      });
    const get = await ask('GET');
    expect(get.status).toBe(204);
    expect(get.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    const put = await ask('PUT');
    expect(put.status).toBe(403);
    expect(put.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS policy against header rules', () => {
  // `defaults` apply response rules to every route, those with a CORS policy included.
  const ruled = routerFor(
    [
      {
        id: 'ruled',
        hosts: ['ruled.test'],
        origin: originUrl(),
        cors: { origins: [APP], credentials: true },
      },
      {
        id: 'ruled-cached',
        hosts: ['ruled.test'],
        path: '/cached',
        strip_prefix: true,
        origin: originUrl(),
        cors: { origins: [APP], credentials: true },
        cache: { ttl: 60 },
      },
      { id: 'ruled-plain', hosts: ['ruled-plain.test'], origin: originUrl() },
    ],
    {
      defaults: {
        headers: {
          response: { set: { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET' } },
        },
      },
    },
  );

  it('the policy replaces Access-Control-* set by response rules, on a MISS and on the HIT', async () => {
    const refused = await ruled.fetch('https://ruled.test/echo/a', {
      headers: { origin: 'https://evil.test' },
    });
    await refused.body?.cancel();
    expect(corsHeadersOf(refused)).toEqual([]);

    const url = `https://ruled.test/cached/count/${key('ruled')}`;
    for (const expected of ['MISS', 'HIT']) {
      const response = await ruled.fetch(url, { headers: { origin: APP } });
      await response.text();
      expect(response.headers.get('x-cache')).toBe(expected);
      expect(corsHeadersOf(response).sort()).toEqual([
        ['access-control-allow-credentials', 'true'],
        ['access-control-allow-origin', APP],
      ]);
    }
  });

  it('on a route without a policy the rules apply as written', async () => {
    const response = await ruled.fetch('https://ruled-plain.test/echo/a', { headers: { origin: APP } });
    await response.body?.cancel();
    expect(corsHeadersOf(response).sort()).toEqual([
      ['access-control-allow-methods', 'GET'],
      ['access-control-allow-origin', '*'],
    ]);
  });
});
