/**
 * Review finding: the forwarding headers a client may not set are dropped by name and prefix
 * with dashes only. The same names spelled with underscores (`X_Forwarded_For`,
 * `X_Forwarded_Host`, `CF_Connecting_IP`, `X_Real_IP`, `X_Original_URL`...) reach the origin.
 * CGI-style servers map both `-` and `_` to the same variable (`HTTP_X_FORWARDED_FOR`): Rack
 * servers (Puma before 6.4.3 / 5.6.9, CVE-2024-45614), PHP behind FastCGI setups that pass
 * them, WSGI servers that do not drop them. There a client's `X_Forwarded_For` can replace or
 * join the router's own `X-Forwarded-For`, and `X_Forwarded_Host` the public host. nginx and
 * Apache drop header names with underscores for exactly this reason. The same goes for the method
 * override headers a route with `methods` drops (`X_HTTP_Method_Override`). Expected: none of
 * them reaches the origin.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originUrl, routerFor } from './harness.ts';

const router = routerFor([
  { id: 'open', hosts: ['rus.test'], origin: originUrl() },
  { id: 'limited', hosts: ['rus.test'], path: '/limited', origin: originUrl(), methods: ['GET', 'POST'] },
]);

const SPOOFED: Record<string, string> = {
  X_Forwarded_For: '203.0.113.66',
  X_Forwarded_Host: 'evil.example',
  X_Forwarded_Proto: 'https',
  CF_Connecting_IP: '203.0.113.66',
  X_Real_IP: '203.0.113.66',
  True_Client_IP: '203.0.113.66',
  X_Original_URL: '/admin',
  X_Rewrite_URL: '/admin',
};

describe('review: forwarding headers spelled with underscores', () => {
  it('never reach the origin, whatever the separator', async () => {
    const response = await router.fetch('https://rus.test/echo/u', {
      headers: { 'cf-connecting-ip': '192.0.2.10', ...SPOOFED },
    });
    const echo = (await response.json()) as Echo;
    const reached = Object.keys(SPOOFED).filter((name) => echo.headers[name.toLowerCase()] !== undefined);
    expect(reached).toEqual([]);
    expect(echo.headers['x-forwarded-for']).toBe('192.0.2.10');
  });

  it('a method override spelled with underscores does not reach a route that limits methods', async () => {
    const response = await router.fetch('https://rus.test/limited/echo', {
      method: 'POST',
      headers: { X_HTTP_Method_Override: 'DELETE', X_HTTP_Method: 'DELETE', X_Method_Override: 'DELETE' },
    });
    const echo = (await response.json()) as Echo;
    expect(Object.keys(echo.headers).filter((name) => name.includes('method'))).toEqual([]);
  });
});
