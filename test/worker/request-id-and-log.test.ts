/**
 * The request id (kept when well-formed, else generated; sent upstream and returned), and the
 * one JSON log line per request: the fields the design lists, never a query string, a header
 * value or a secret. The log is read by wrapping console.log around each request; fetch and the
 * origin are real.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, envRef, originUrl, routerFor } from './harness.ts';

/** A `${env.NAME}` reference as routes.yaml spells it. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const router = routerFor(
  [
    {
      id: 'logged',
      hosts: ['log.test'],
      origin: originUrl(),
      methods: ['GET', 'POST'],
      headers: { request: { set: { 'X-Api-Key': envRef('TEST_SECRET') } } },
    },
    { id: 'cached', hosts: ['log.test'], path: '/cached', origin: originUrl(), cache: { ttl: 60 } },
    {
      id: 'slow',
      hosts: ['log.test'],
      path: '/slowly',
      origin: originUrl(),
      strip_prefix: true,
      timeout: '200ms',
    },
  ],
  { secrets: ['TEST_SECRET'] },
);

/** Sends a request and returns the response and every console.log line it produced. */
async function logged(url: string, init?: RequestInit): Promise<{ response: Response; lines: string[] }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  try {
    const response = await router.fetch(url, init);
    return { response, lines };
  } finally {
    console.log = original;
  }
}

/** The single log line of a request, parsed. */
function only(lines: string[]): Record<string, unknown> {
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string) as Record<string, unknown>;
}

describe('request id', () => {
  it('keeps a well-formed incoming id, sends it upstream and returns it', async () => {
    for (const id of ['abcdefgh', 'req-2024.07.01:42_x', 'A'.repeat(128), crypto.randomUUID()]) {
      const response = await router.fetch('https://log.test/echo', { headers: { 'x-request-id': id } });
      expect(response.headers.get('x-request-id'), id).toBe(id);
      expect(((await response.json()) as Echo).headers['x-request-id'], id).toBe(id);
    }
  });

  it('replaces a malformed one, upstream and downstream alike', async () => {
    for (const id of [
      'short',
      'has space in it',
      'A'.repeat(129),
      '<script>alert(1)</script>',
      'slash/in/the/id',
      '',
    ]) {
      const response = await router.fetch('https://log.test/echo', { headers: { 'x-request-id': id } });
      const returned = response.headers.get('x-request-id');
      expect(returned, id).toMatch(UUID);
      expect(((await response.json()) as Echo).headers['x-request-id'], id).toBe(returned);
    }
  });

  it('generates a fresh id for each request that has none', async () => {
    const ids = new Set<string | null>();
    for (let i = 0; i < 5; i++) {
      const response = await router.fetch('https://log.test/echo');
      await response.body?.cancel();
      ids.add(response.headers.get('x-request-id'));
    }
    expect(ids.size).toBe(5);
    for (const id of ids) expect(id).toMatch(UUID);
  });

  it('overrides an origin that answers with its own x-request-id', async () => {
    const response = await router.fetch('https://log.test/respond?h=x-request-id:origin-made-id', {
      headers: { 'x-request-id': 'client-made-id' },
    });
    await response.body?.cancel();
    expect(response.headers.get('x-request-id')).toBe('client-made-id');
  });
});

describe('log line', () => {
  it('is one JSON line with the listed fields for a proxied request', async () => {
    const { response, lines } = await logged('https://Log.Test./echo/a?token=QUERY-SECRET', {
      headers: { 'x-request-id': 'log-test-0001' },
    });
    await response.body?.cancel();
    const line = only(lines);
    expect(line).toMatchObject({
      request_id: 'log-test-0001',
      route: 'logged',
      host: 'log.test',
      method: 'GET',
      path: '/echo/a',
      status: 200,
      cache: 'BYPASS',
      origin_status: 200,
      error: null,
    });
    expect(typeof line.duration_ms).toBe('number');
    expect(line.duration_ms as number).toBeGreaterThanOrEqual(0);
  });

  it('never holds the query, a header value or a secret', async () => {
    const { response, lines } = await logged('https://log.test/echo/b?token=QUERY-SECRET&x=1', {
      method: 'POST',
      body: 'BODY-SECRET',
      headers: {
        Authorization: 'Bearer AUTH-SECRET',
        Cookie: 'session=COOKIE-SECRET',
        'X-Probe': 'HEADER-VALUE',
        'User-Agent': 'AGENT-VALUE',
        'CF-Connecting-IP': '203.0.113.77',
      },
    });
    // The origin did receive the secret (so it was in play), but the log line must not.
    expect(((await response.json()) as Echo).headers['x-api-key']).toBe('test-secret-value');
    const text = only(lines) && (lines[0] as string);
    for (const leak of [
      'QUERY-SECRET',
      'token',
      '?',
      'BODY-SECRET',
      'AUTH-SECRET',
      'COOKIE-SECRET',
      'HEADER-VALUE',
      'AGENT-VALUE',
      '203.0.113.77',
      'test-secret-value',
    ]) {
      expect(text, leak).not.toContain(leak);
    }
  });

  it('records router errors: no route, refused path, timeouts', async () => {
    const noRoute = await logged('https://unknown.test/x?q=1');
    await noRoute.response.body?.cancel();
    expect(only(noRoute.lines)).toMatchObject({
      route: null,
      host: 'unknown.test',
      path: '/x',
      status: 404,
      error: 'no_route',
      origin_status: null,
    });

    const badPath = await logged('https://log.test/a%2Fb');
    await badPath.response.body?.cancel();
    expect(only(badPath.lines)).toMatchObject({ status: 400, error: 'bad_request' });

    const method = await logged('https://log.test/echo', { method: 'PUT', body: 'x' });
    await method.response.body?.cancel();
    expect(only(method.lines)).toMatchObject({ route: 'logged', status: 405, error: 'method_not_allowed' });

    const timeout = await logged('https://log.test/slowly/slow?ms=3000');
    await timeout.response.body?.cancel();
    expect(only(timeout.lines)).toMatchObject({
      route: 'slow',
      path: '/slowly/slow',
      status: 504,
      error: 'gateway_timeout',
    });
  });

  it('records the origin status of an origin error, with no router error code', async () => {
    const { response, lines } = await logged('https://log.test/status/503');
    await response.body?.cancel();
    expect(only(lines)).toMatchObject({ status: 503, origin_status: 503, error: null });
  });

  it('records the cache result', async () => {
    const path = `/cached/${crypto.randomUUID()}`;
    const first = await logged(`https://log.test${path}`);
    await first.response.body?.cancel();
    expect(only(first.lines)).toMatchObject({ route: 'cached', cache: 'MISS' });
    const second = await logged(`https://log.test${path}`);
    await second.response.body?.cancel();
    expect(only(second.lines)).toMatchObject({ route: 'cached', cache: 'HIT', status: 200 });
  });
});
