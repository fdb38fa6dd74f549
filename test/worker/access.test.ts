/**
 * IP access rules: CF-Connecting-IP only (X-Forwarded-For is the client's to forge), IPv4 and
 * IPv6, deny wins, 403 JSON, and a refused request never reaches the origin.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originCount, originUrl, routerFor } from './harness.ts';

const router = routerFor([
  {
    id: 'office',
    hosts: ['office.test'],
    origin: originUrl(),
    access: {
      allow: ['203.0.113.0/24', '2001:db8::/32', '192.0.2.10'],
      deny: ['203.0.113.66/32', '2001:db8:bad::/48'],
    },
  },
  {
    id: 'blocklist',
    hosts: ['open.test'],
    origin: originUrl(),
    access: { deny: ['198.51.100.0/24', '::1'] },
  },
  { id: 'public', hosts: ['public.test'], origin: originUrl() },
]);

function from(ip: string | null, url = 'https://office.test/echo/x', headers: Record<string, string> = {}) {
  return router.fetch(url, { headers: { ...(ip === null ? {} : { 'cf-connecting-ip': ip }), ...headers } });
}

async function expectForbidden(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; message: string; request_id: string };
  expect(body.error).toBe('forbidden');
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
}

describe('access: allow list', () => {
  it.each([
    ['IPv4 inside the /24', '203.0.113.9'],
    ['IPv4 at the network address', '203.0.113.0'],
    ['a bare IPv4 address (a /32)', '192.0.2.10'],
    ['IPv6 inside the /32', '2001:db8:1234::5'],
    ['IPv6 written in full with upper case', '2001:0DB8:0000:0000:0000:0000:0000:0001'],
    ['IPv4-mapped IPv6 of an allowed IPv4', '::ffff:203.0.113.9'],
  ])('lets %s through (%s)', async (_, ip) => {
    const response = await from(ip);
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    // The origin sees the address the access rule judged, not one the client chose.
    expect(echo.headers['x-forwarded-for']).toBe(ip);
  });

  it.each([
    ['IPv4 just outside the /24', '203.0.114.1'],
    ['IPv4 next to the /32', '192.0.2.11'],
    ['IPv6 outside the /32', '2001:db9::1'],
    ['loopback IPv6', '::1'],
    ['an address that does not parse', 'not-an-ip'],
    ['an IPv4 with leading zeros', '203.0.113.009'],
  ])('refuses %s (%s) with 403 JSON', async (_, ip) => {
    await expectForbidden(await from(ip));
  });

  it('fails closed without CF-Connecting-IP', async () => {
    await expectForbidden(await from(null));
  });

  it('ignores X-Forwarded-For, X-Real-IP and True-Client-IP claiming an allowed address', async () => {
    const headers = {
      'x-forwarded-for': '203.0.113.9',
      'x-real-ip': '203.0.113.9',
      'true-client-ip': '203.0.113.9',
    };
    await expectForbidden(await from('198.51.100.1', 'https://office.test/echo/x', headers));
    await expectForbidden(await from(null, 'https://office.test/echo/x', headers));
  });

  it('does not let X-Forwarded-For turn an allowed client into a denied one either', async () => {
    const response = await from('203.0.113.9', 'https://office.test/echo/x', {
      'x-forwarded-for': '203.0.113.66',
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).headers['x-forwarded-for']).toBe('203.0.113.9');
  });
});

describe('access: deny wins', () => {
  it('refuses a denied IPv4 inside an allowed network', async () => {
    await expectForbidden(await from('203.0.113.66'));
  });

  it('refuses a denied IPv6 network inside an allowed one', async () => {
    await expectForbidden(await from('2001:db8:bad:1::1'));
    expect((await from('2001:db8:bad0::1')).status).toBe(200);
  });

  it('with a deny list only, refuses the listed and lets everyone else through', async () => {
    await expectForbidden(await from('198.51.100.200', 'https://open.test/echo/x'));
    await expectForbidden(await from('0:0:0:0:0:0:0:1', 'https://open.test/echo/x'));
    expect((await from('198.51.101.1', 'https://open.test/echo/x')).status).toBe(200);
    expect((await from('2001:db8::1', 'https://open.test/echo/x')).status).toBe(200);
  });

  it.each([
    ['no CF-Connecting-IP', null],
    ['an empty one', ''],
    ['one that does not parse', '198.51.100.7, 10.0.0.1'],
  ])('with a deny list only, fails closed on %s: nothing shows the client is not denied', async (_, ip) => {
    const key = `deny-unknown-${crypto.randomUUID()}`;
    await expectForbidden(await from(ip, `https://open.test/count/${key}`));
    expect(await originCount(key)).toBe(0);
  });
});

describe('access: scope', () => {
  it('a refused request never reaches the origin', async () => {
    const key = `access-${crypto.randomUUID()}`;
    await expectForbidden(await from('198.51.100.1', `https://office.test/count/${key}`));
    expect(await originCount(key)).toBe(0);
    expect((await from('203.0.113.1', `https://office.test/count/${key}`)).status).toBe(200);
    expect(await originCount(key)).toBe(1);
  });

  it('is per route: a route without rules serves any address', async () => {
    expect((await from('198.51.100.1', 'https://public.test/echo/x')).status).toBe(200);
  });

  it('refuses CORS preflights from a refused address too (access runs before CORS)', async () => {
    const response = await router.fetch('https://office.test/echo/x', {
      method: 'OPTIONS',
      headers: {
        'cf-connecting-ip': '198.51.100.1',
        origin: 'https://app.test',
        'access-control-request-method': 'POST',
      },
    });
    await expectForbidden(response);
  });
});
