import { describe, expect, it } from 'vitest';
import { type Echo, originUrl, routerFor } from './harness.ts';

describe('smoke', () => {
  it('proxies to the local origin and reports the request id', async () => {
    const router = routerFor([{ id: 'api', hosts: ['api.test'], origin: originUrl() }]);
    const response = await router.fetch('https://api.test/echo/x?q=1');
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.url).toBe('/echo/x?q=1');
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    expect(response.headers.get('x-cache')).toBe('BYPASS');
  });
});
