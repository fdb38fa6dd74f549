/**
 * Errors the router makes are JSON `{error, message, request_id}` with the right status; errors
 * the origin makes pass through as the origin's own.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, envRef, originUrl, routerFor } from './harness.ts';

/** A `${env.NAME}` reference as routes.yaml spells it. */

const router = routerFor(
  [
    { id: 'fast', hosts: ['err.test'], origin: originUrl(), timeout: '1s', methods: ['GET', 'POST'] },
    { id: 'dead', hosts: ['err.test'], path: '/dead', origin: originUrl('dead') },
    {
      id: 'secret',
      hosts: ['err.test'],
      path: '/secret',
      origin: originUrl(),
      headers: { request: { set: { 'X-Key': envRef('UNSET_SECRET') } } },
    },
  ],
  { secrets: ['UNSET_SECRET'] },
);

/** Asserts a router error: status, JSON content type, exactly {error, message, request_id}. */
async function routerError(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = (await response.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'request_id']);
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeGreaterThan(0);
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
}

describe('upstream failures', () => {
  it('answers a slow origin with 504 gateway_timeout near the route timeout', async () => {
    const started = Date.now();
    const response = await router.fetch('https://err.test/slow?ms=10000');
    const elapsed = Date.now() - started;
    await routerError(response, 504, 'gateway_timeout');
    // Route timeout is 1 s; generous bounds for a loaded machine, far below the origin's 10 s.
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(6_000);
  });

  it('answers an origin that never answers with 504', async () => {
    await routerError(await router.fetch('https://err.test/never'), 504, 'gateway_timeout');
  });

  it('answers a closed port with 502 bad_gateway', async () => {
    await routerError(await router.fetch('https://err.test/dead/x'), 502, 'bad_gateway');
    await routerError(
      await router.fetch('https://err.test/dead/x', { method: 'POST', body: 'payload' }),
      502,
      'bad_gateway',
    );
  });

  it('answers an origin that hangs up or speaks nonsense with 502 bad_gateway', async () => {
    await routerError(await router.fetch('https://err.test/close-before-headers'), 502, 'bad_gateway');
    await routerError(await router.fetch('https://err.test/bad-status-line'), 502, 'bad_gateway');
  });
});

describe('router errors', () => {
  it('are JSON with the right status and code for each cause', async () => {
    await routerError(await router.fetch('https://nowhere.test/'), 404, 'no_route');
    await routerError(
      await router.fetch('https://err.test/x', { method: 'DELETE' }),
      405,
      'method_not_allowed',
    );
    await routerError(await router.fetch('https://err.test/a%2Fb'), 400, 'bad_request');
    await routerError(await router.fetch('https://err.test/secret/x'), 500, 'config_error');
  });

  it('are never HTML, whatever the client accepts', async () => {
    const response = await router.fetch('https://nowhere.test/', { headers: { Accept: 'text/html' } });
    await routerError(response, 404, 'no_route');
  });

  it('carry the incoming request id', async () => {
    const response = await router.fetch('https://nowhere.test/', {
      headers: { 'x-request-id': 'client-id-0001' },
    });
    expect(response.headers.get('x-request-id')).toBe('client-id-0001');
    expect(((await response.json()) as { request_id: string }).request_id).toBe('client-id-0001');
  });
});

describe('origin errors', () => {
  it('pass through with the origin status and body, not as router errors', async () => {
    for (const status of [404, 500, 502, 503, 504]) {
      const response = await router.fetch(`https://err.test/status/${status}`);
      expect(response.status).toBe(status);
      const echo = (await response.json()) as Echo;
      expect(echo.origin).toBe('primary');
      expect(echo.url).toBe(`/status/${status}`);
    }
  });
});
