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
import { type Echo, envRef, originUrl, routerFor } from './harness.ts';

const router = routerFor(
  [
    { id: 'open', hosts: ['rus.test'], origin: originUrl() },
    { id: 'limited', hosts: ['rus.test'], path: '/limited', origin: originUrl(), methods: ['GET', 'POST'] },
    {
      id: 'rules',
      hosts: ['rus.test'],
      path: '/rules',
      origin: originUrl(),
      headers: { request: { set: { 'X-Api-Key': envRef('TEST_SECRET') }, remove: ['X-Internal-User'] } },
    },
  ],
  { secrets: ['TEST_SECRET'] },
);

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

  it('no name with an underscore, dot or other sign reaches the origin: it could shadow any header the router sets, removes or drops', async () => {
    // A second review found the first fix covered the listed names only: the route's own `set`
    // and `remove` names, X-Request-Id, hop-by-hop names and a rate limit's key header could still
    // be spelled with underscores. Now every such name is dropped, as nginx and gunicorn do.
    const shadows: Record<string, string> = {
      X_Request_Id: 'forged id "x" with spaces',
      X_Api_Key: 'attacker-key',
      X_Internal_User: 'admin',
      Proxy_Authorization: 'Basic eA==',
      Proxy_Connection: 'keep-alive',
      Keep_Alive: 'timeout=5',
      Some_Custom_Name: 'any',
      // lighttpd and Apache 2.2 map every character but letters and digits to `_` as well.
      'X.Forwarded.For': '203.0.113.66',
      'X~Forwarded~Host': 'evil.example',
      'X.Request.Id': 'forged',
      'X.Internal.User': 'admin',
      'X.Api.Key': 'attacker-key',
      'Keep.Alive': 'x',
    };
    const response = await router.fetch('https://rus.test/rules/echo', {
      headers: { 'cf-connecting-ip': '192.0.2.10', ...shadows, 'X-Kept-Name': 'kept' },
    });
    const echo = (await response.json()) as Echo;
    expect(Object.keys(echo.headers).filter((name) => !/^[a-z0-9-]+$/.test(name))).toEqual([]);
    expect(echo.headers['x-api-key']).toBe('test-secret-value');
    expect(echo.headers['x-request-id']).toBe(response.headers.get('x-request-id'));
    expect(echo.headers['x-kept-name']).toBe('kept');
  });

  it('drops `Proxy`, which CGI servers pass on as HTTP_PROXY (httpoxy)', async () => {
    const response = await router.fetch('https://rus.test/echo/p', {
      headers: { Proxy: 'http://evil.example:8080' },
    });
    const echo = (await response.json()) as Echo;
    expect(echo.headers.proxy).toBeUndefined();
  });
});
