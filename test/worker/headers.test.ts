/**
 * Header hygiene both ways, route header rules, and `${env.NAME}` values resolved at request
 * time. The echo origin reports the headers it received; /respond makes it send any header back.
 */
import { describe, expect, it } from 'vitest';
import type { RawRoute } from '../../scripts/compiler/config.ts';
import { type Echo, envRef, originCount, originUrl, routerFor } from './harness.ts';

/** A `${env.NAME}` reference as routes.yaml spells it. */

const plain = routerFor([{ id: 'plain', hosts: ['h.test'], origin: originUrl() }]);

async function echoOf(router: typeof plain, url: string, init?: RequestInit): Promise<Echo> {
  const response = await router.fetch(url, init);
  expect(response.status).toBe(200);
  return (await response.json()) as Echo;
}

describe('request headers', () => {
  it('drops the headers Connection names, and Connection itself', async () => {
    const echo = await echoOf(plain, 'https://h.test/echo', {
      headers: { Connection: 'X-Secret, X-Other', 'X-Secret': 'hunter2', 'X-Other': 'o', 'X-Kept': 'k' },
    });
    expect(echo.headers['x-secret']).toBeUndefined();
    expect(echo.headers['x-other']).toBeUndefined();
    expect(echo.headers.connection ?? '').not.toMatch(/x-secret/i);
    expect(echo.headers['x-kept']).toBe('k');
  });

  it('(control) workerd itself would forward a header Connection names: the router is what drops it', async () => {
    const direct = await fetch(`${originUrl()}/echo`, {
      headers: { Connection: 'X-Secret', 'X-Secret': 'hunter2' },
    });
    expect(((await direct.json()) as Echo).headers['x-secret']).toBe('hunter2');
  });

  it('drops the hop-by-hop headers', async () => {
    const echo = await echoOf(plain, 'https://h.test/echo', {
      headers: {
        'Keep-Alive': 'timeout=5',
        'Proxy-Connection': 'keep-alive',
        TE: 'trailers',
        Trailer: 'X-Checksum',
        Upgrade: 'h2c',
        'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0',
        Authorization: 'Bearer end-to-end',
      },
    });
    for (const name of [
      'keep-alive',
      'proxy-connection',
      'te',
      'trailer',
      'upgrade',
      'proxy-authorization',
    ]) {
      expect(echo.headers[name], name).toBeUndefined();
    }
    // End-to-end headers are the origin's business.
    expect(echo.headers.authorization).toBe('Bearer end-to-end');
  });

  it('replaces client-sent forwarding headers with its own', async () => {
    const echo = await echoOf(plain, 'https://h.test/echo', {
      headers: {
        'X-Forwarded-For': '1.2.3.4',
        'X-Forwarded-Host': 'evil',
        'X-Forwarded-Proto': 'gopher',
        'X-Forwarded-Port': '1',
        'X-Forwarded-Prefix': '/evil',
        Forwarded: 'for=1.2.3.4;host=evil',
        'X-Real-IP': '1.2.3.4',
        'True-Client-IP': '1.2.3.4',
        'CF-Connecting-IP': '203.0.113.9',
      },
    });
    expect(echo.headers['x-forwarded-for']).toBe('203.0.113.9');
    expect(echo.headers['x-forwarded-host']).toBe('h.test');
    expect(echo.headers['x-forwarded-proto']).toBe('https');
    for (const name of [
      'x-forwarded-port',
      'x-forwarded-prefix',
      'forwarded',
      'x-real-ip',
      'true-client-ip',
    ]) {
      expect(echo.headers[name], name).toBeUndefined();
    }
    expect(JSON.stringify(echo.headers)).not.toContain('1.2.3.4');
    expect(JSON.stringify(echo.headers)).not.toContain('evil');
  });

  it('sends no X-Forwarded-For at all when there is no CF-Connecting-IP, never the client one', async () => {
    const echo = await echoOf(plain, 'https://h.test/echo', { headers: { 'X-Forwarded-For': '1.2.3.4' } });
    expect(echo.headers['x-forwarded-for']).toBeUndefined();
  });

  it('reports the public scheme and host (with its port) as the client used them', async () => {
    const echo = await echoOf(plain, 'http://H.test:8080/echo');
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers['x-forwarded-host']).toBe('h.test:8080');
  });

  it('sends the origin its own Host, never the public one', async () => {
    const echo = await echoOf(plain, 'https://h.test/echo', { headers: { Host: 'evil.test' } });
    expect(echo.headers.host).toBe(new URL(originUrl()).host);
  });
});

describe('response headers', () => {
  it('drops hop-by-hop headers and those Connection names; keeps the rest', async () => {
    const h = [
      'X-Hop:1',
      'Connection:X-Hop',
      'Keep-Alive:timeout=5',
      'Proxy-Authenticate:Basic',
      'X-Kept:yes',
    ];
    const response = await plain.fetch(
      `https://h.test/respond?${h.map((v) => `h=${encodeURIComponent(v)}`).join('&')}`,
    );
    await response.body?.cancel();
    expect(response.status).toBe(200);
    for (const name of ['x-hop', 'connection', 'keep-alive', 'proxy-authenticate', 'transfer-encoding']) {
      expect(response.headers.get(name), name).toBeNull();
    }
    expect(response.headers.get('x-kept')).toBe('yes');
    expect(response.headers.get('x-origin-name')).toBe('primary');
  });
});

describe('route header rules', () => {
  const rules: RawRoute = {
    id: 'rules',
    hosts: ['rules.test'],
    origin: originUrl(),
    headers: {
      request: {
        set: {
          'X-Api-Key': envRef('TEST_SECRET'),
          Authorization: `Bearer ${envRef('TEST_SECRET')}`,
          'X-Static': 'v1',
        },
        remove: ['Cookie', 'X-Debug'],
      },
      response: {
        set: { 'X-Frame-Options': 'DENY', 'X-Origin-Name': 'hidden' },
        remove: ['X-Powered-By', 'Server'],
      },
    },
  };
  const router = routerFor([rules], { secrets: ['TEST_SECRET'] });

  it('sets and removes request headers, overriding what the client sent', async () => {
    const echo = await echoOf(router, 'https://rules.test/echo', {
      headers: { Cookie: 'session=1', 'X-Debug': '1', Authorization: 'Bearer client', 'X-Static': 'client' },
    });
    expect(echo.headers['x-api-key']).toBe('test-secret-value');
    expect(echo.headers.authorization).toBe('Bearer test-secret-value');
    expect(echo.headers['x-static']).toBe('v1');
    expect(echo.headers.cookie).toBeUndefined();
    expect(echo.headers['x-debug']).toBeUndefined();
  });

  it('sets and removes response headers', async () => {
    const response = await router.fetch(
      'https://rules.test/respond?h=X-Powered-By:PHP&h=Server:origin&h=X-Other:1',
    );
    await response.body?.cancel();
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-origin-name')).toBe('hidden');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('server')).toBeNull();
    expect(response.headers.get('x-other')).toBe('1');
  });

  it('resolves env references at request time, not at build time', async () => {
    const rotated = routerFor([rules], { secrets: ['TEST_SECRET'] }, { TEST_SECRET: 'rotated-value' });
    const echo = await echoOf(rotated, 'https://rules.test/echo');
    expect(echo.headers['x-api-key']).toBe('rotated-value');
  });

  it('fails closed on a missing secret: 500 config_error, nothing sent upstream', async () => {
    for (const [name, env] of [
      ['absent', { TEST_SECRET: undefined }],
      ['empty', { TEST_SECRET: '' }],
    ] as const) {
      const missing = routerFor([rules], { secrets: ['TEST_SECRET'] }, env);
      const key = `secret-${name}-${crypto.randomUUID()}`;
      const response = await missing.fetch(`https://rules.test/count/${key}`, { method: 'POST', body: 'x' });
      expect(response.status, name).toBe(500);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as Record<string, string>;
      expect(body.error, name).toBe('config_error');
      expect(body.message).toContain('TEST_SECRET');
      expect(body.request_id).toBe(response.headers.get('x-request-id'));
      expect(await originCount(key), name).toBe(0);
    }
  });

  it('fails closed when only a response rule needs a value the Worker lacks', async () => {
    // A response rule reads vars only (check refuses a secret there); a var removed from the
    // deployed Worker (in the dashboard, say) is missing all the same.
    const responseOnly = routerFor(
      [
        {
          id: 'resp-secret',
          hosts: ['resp.test'],
          origin: originUrl(),
          headers: { response: { set: { 'X-Signed': envRef('NOT_SET_ANYWHERE') } } },
        },
      ],
      { vars: { NOT_SET_ANYWHERE: 'v1' } },
      { NOT_SET_ANYWHERE: undefined },
    );
    const key = `resp-secret-${crypto.randomUUID()}`;
    const response = await responseOnly.fetch(`https://resp.test/count/${key}`);
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toBe('config_error');
    expect(await originCount(key)).toBe(0);
  });
});
