/**
 * Rate limits on the real Rate Limiting binding as miniflare simulates it (a counter outside
 * the isolate, windows aligned to the wall clock). vitest.config.ts declares RL_LIMITED
 * (3 per 60 s, route id `limited`) and RL_KEYED (2 per 10 s, route id `keyed`); route `unbound`
 * has no binding on purpose.
 */
import { describe, expect, it } from 'vitest';
import { originCount, originUrl, routerFor } from './harness.ts';
import { itInOneWindow } from './rate-limit-window.ts';

const router = routerFor([
  {
    id: 'limited',
    hosts: ['limited.test'],
    origin: originUrl(),
    rate_limit: { limit: 3, period: 60 },
    cors: { origins: ['https://app.test'] },
  },
  {
    id: 'keyed',
    hosts: ['keyed.test'],
    origin: originUrl(),
    rate_limit: { limit: 2, period: 10, key: 'header:X-Api-Key' },
  },
  { id: 'unbound', hosts: ['unbound.test'], origin: originUrl(), rate_limit: { limit: 5, period: 10 } },
]);

/** A fresh client address per test, so tests (and reruns) never share a counter. */
function freshIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `2001:db8:${[...bytes].map((b) => b.toString(16)).join(':')}`;
}

function get(host: string, ip: string, headers: Record<string, string> = {}, path = '/echo/x') {
  return router.fetch(`https://${host}${path}`, { headers: { 'cf-connecting-ip': ip, ...headers } });
}

async function expectLimited(response: Response, period: number): Promise<void> {
  expect(response.status).toBe(429);
  expect(response.headers.get('retry-after')).toBe(String(period));
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; request_id: string };
  expect(body.error).toBe('rate_limited');
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
}

describe('rate_limit keyed by client IP', () => {
  itInOneWindow('counts CORS preflights too (the limit runs before them)', 60, async () => {
    const ip = freshIp();
    const preflight = {
      method: 'OPTIONS',
      headers: { 'cf-connecting-ip': ip, origin: 'https://app.test', 'access-control-request-method': 'GET' },
    };
    for (let i = 0; i < 3; i++) {
      expect((await router.fetch('https://limited.test/echo/x', preflight)).status).toBe(204);
    }
    await expectLimited(await router.fetch('https://limited.test/echo/x', preflight), 60);
    await expectLimited(await get('limited.test', ip), 60);
  });

  itInOneWindow('lets the limit through, then answers 429 JSON with Retry-After', 60, async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await get('limited.test', ip)).status).toBe(200);
    await expectLimited(await get('limited.test', ip), 60);
    await expectLimited(await get('limited.test', ip), 60);
  });

  itInOneWindow('counts each CF-Connecting-IP apart', 60, async () => {
    const [a, b] = [freshIp(), freshIp()];
    for (let i = 0; i < 3; i++) expect((await get('limited.test', a)).status).toBe(200);
    await expectLimited(await get('limited.test', a), 60);
    expect((await get('limited.test', b)).status).toBe(200);
  });

  itInOneWindow('ignores X-Forwarded-For: a new claimed address does not reset the counter', 60, async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) {
      const response = await get('limited.test', ip, { 'x-forwarded-for': `198.51.100.${i}` });
      expect(response.status).toBe(200);
    }
    await expectLimited(await get('limited.test', ip, { 'x-forwarded-for': '198.51.100.99' }), 60);
  });

  itInOneWindow('never forwards a limited request to the origin', 60, async () => {
    const ip = freshIp();
    const key = `rl-${crypto.randomUUID()}`;
    for (let i = 0; i < 5; i++) await (await get('limited.test', ip, {}, `/count/${key}`)).arrayBuffer();
    expect(await originCount(key)).toBe(3);
  });
});

describe('rate_limit keyed by a header', () => {
  itInOneWindow('counts per X-Api-Key value, whatever the address', 10, async () => {
    const key = crypto.randomUUID();
    expect((await get('keyed.test', freshIp(), { 'x-api-key': key })).status).toBe(200);
    expect((await get('keyed.test', freshIp(), { 'x-api-key': key })).status).toBe(200);
    await expectLimited(await get('keyed.test', freshIp(), { 'x-api-key': key }), 10);
  });

  itInOneWindow('gives another key its own counter from the same address', 10, async () => {
    const ip = freshIp();
    const [one, two] = [crypto.randomUUID(), crypto.randomUUID()];
    for (let i = 0; i < 2; i++) expect((await get('keyed.test', ip, { 'x-api-key': one })).status).toBe(200);
    await expectLimited(await get('keyed.test', ip, { 'x-api-key': one }), 10);
    expect((await get('keyed.test', ip, { 'x-api-key': two })).status).toBe(200);
  });

  itInOneWindow('falls back to the client IP when the header is absent', 10, async () => {
    const ip = freshIp();
    for (let i = 0; i < 2; i++) expect((await get('keyed.test', ip)).status).toBe(200);
    await expectLimited(await get('keyed.test', ip), 10);
    expect((await get('keyed.test', freshIp())).status).toBe(200);
  });

  itInOneWindow('keeps a header value that looks like an address apart from that address', 10, async () => {
    const ip = freshIp();
    for (let i = 0; i < 2; i++) expect((await get('keyed.test', ip)).status).toBe(200);
    await expectLimited(await get('keyed.test', ip), 10);
    expect((await get('keyed.test', freshIp(), { 'x-api-key': ip })).status).toBe(200);
    expect((await get('keyed.test', freshIp(), { 'x-api-key': `ip:${ip}` })).status).toBe(200);
  });

  itInOneWindow('counts an oversized header value like any other (by its digest)', 10, async () => {
    const long = `k${'x'.repeat(4000)}${crypto.randomUUID()}`;
    for (let i = 0; i < 2; i++)
      expect((await get('keyed.test', freshIp(), { 'x-api-key': long })).status).toBe(200);
    await expectLimited(await get('keyed.test', freshIp(), { 'x-api-key': long }), 10);
    expect((await get('keyed.test', freshIp(), { 'x-api-key': `${long}y` })).status).toBe(200);
  });
});

describe('rate_limit without its binding', () => {
  it('fails closed with 500 config_error and sends nothing upstream', async () => {
    const key = `rl-unbound-${crypto.randomUUID()}`;
    const response = await get('unbound.test', freshIp(), {}, `/count/${key}`);
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('config_error');
    expect(body.message).toContain('RL_UNBOUND');
    expect(await originCount(key)).toBe(0);
  });
});
