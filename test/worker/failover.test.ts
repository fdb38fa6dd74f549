/**
 * Failover along a route's origin list: connect failures and 502/503/504 move an idempotent
 * request to the next origin within the route's total timeout; POST/PATCH only with
 * `retry.non_idempotent` and a body within `max_replay_body`. The log line names the origin that
 * answered and the number of tries. Origins: `primary` and `backup` (real servers) and `dead`
 * (a closed port); /fail-on/primary/503 answers 503 on the primary only.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { RawRoute } from '../../scripts/compiler/config.ts';
import { type Echo, originCount, originUrl, routerFor, sha256 } from './harness.ts';

const route = (id: string, origin: string[], extra: Partial<RawRoute> = {}): RawRoute => ({
  id,
  hosts: [`${id}.test`],
  origin,
  ...extra,
});

const router = routerFor([
  route('dead-first', [originUrl('dead'), originUrl('primary')]),
  route('pair', [originUrl('primary'), originUrl('backup')]),
  route('all-dead', [originUrl('dead'), originUrl('dead')]),
  route('replay', [originUrl('dead'), originUrl('backup')], {
    retry: { non_idempotent: true, max_replay_body: '16kb' },
  }),
  route('replay-pair', [originUrl('primary'), originUrl('backup')], { retry: { non_idempotent: true } }),
  route('tight', [originUrl('primary'), originUrl('backup')], { timeout: '1s' }),
  route('roomy', [originUrl('primary'), originUrl('backup')], { timeout: '10s' }),
  route('single', [originUrl('dead')]),
]);

let log: MockInstance<typeof console.log>;
beforeEach(() => {
  log = vi.spyOn(console, 'log');
});
afterEach(() => {
  log.mockRestore();
});

/** The router's log record for the request with this id. */
function logFor(response: Response): Record<string, unknown> {
  const id = response.headers.get('x-request-id');
  const lines = log.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>);
  const line = lines.find((record) => record.request_id === id);
  if (!line) throw new Error(`no log line for ${id}`);
  return line;
}

function body(size: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(size));
}

/** A POST/PUT/PATCH as a client sends it: with its Content-Length. */
function send(method: string, url: string, data: Uint8Array): Promise<Response> {
  return router.fetch(url, { method, body: data, headers: { 'content-length': String(data.length) } });
}

const count = (which: 'primary' | 'backup', key: string) => originCount(key, which);

describe('failover for idempotent requests', () => {
  it('moves a GET past an origin that refuses connections, and logs who answered', async () => {
    const response = await router.fetch('https://dead-first.test/echo/a?q=1');
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.origin).toBe('primary');
    expect(echo.url).toBe('/echo/a?q=1');
    expect(logFor(response)).toMatchObject({
      origin: originUrl('primary'),
      tries: 2,
      status: 200,
      error: null,
    });
  });

  it.each([502, 503, 504])('moves a GET past a %i from the first origin', async (status) => {
    const response = await router.fetch(`https://pair.test/fail-on/primary/${status}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).origin).toBe('backup');
    expect(logFor(response)).toMatchObject({ origin: originUrl('backup'), tries: 2, origin_status: 200 });
  });

  it('does not move on for other errors: a 500 from the first origin is the answer', async () => {
    const response = await router.fetch('https://pair.test/fail-on/primary/500');
    expect(response.status).toBe(500);
    expect(((await response.json()) as Echo).origin).toBe('primary');
    expect(logFor(response)).toMatchObject({ origin: originUrl('primary'), tries: 1 });
  });

  it('stays on the first origin when it answers', async () => {
    const response = await router.fetch('https://pair.test/echo/ok');
    expect(((await response.json()) as Echo).origin).toBe('primary');
    expect(logFor(response)).toMatchObject({ origin: originUrl('primary'), tries: 1 });
  });

  it('passes the last origin answer through when every origin answers 503', async () => {
    const response = await router.fetch('https://pair.test/status/503');
    expect(response.status).toBe(503);
    expect(((await response.json()) as Echo).origin).toBe('backup');
    expect(logFor(response)).toMatchObject({ tries: 2, origin_status: 503 });
  });

  it('answers 502 JSON when no origin can be reached', async () => {
    const response = await router.fetch('https://all-dead.test/echo/x');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toBe('bad_gateway');
    expect(logFor(response)).toMatchObject({ tries: 2, error: 'bad_gateway', origin: null });
  });

  it('replays the body of an idempotent PUT, byte for byte', async () => {
    const data = body(4096);
    const response = await send('PUT', 'https://dead-first.test/echo/put', data);
    const echo = (await response.json()) as Echo;
    expect(echo).toMatchObject({ origin: 'primary', method: 'PUT', bodyLength: 4096 });
    expect(echo.bodySha256).toBe(await sha256(data));
  });

  it('moves HEAD and DELETE too', async () => {
    const head = await router.fetch('https://pair.test/fail-on/primary/503', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(logFor(head)).toMatchObject({ origin: originUrl('backup'), tries: 2 });
    const del = await router.fetch('https://pair.test/fail-on/primary/503', { method: 'DELETE' });
    expect(((await del.json()) as Echo).origin).toBe('backup');
  });
});

describe('failover for POST and PATCH', () => {
  it('does not replay a POST without retry.non_idempotent: 502, and the second origin never sees it', async () => {
    const key = `post-${crypto.randomUUID()}`;
    const response = await send('POST', `https://dead-first.test/count/${key}`, body(100));
    expect(response.status).toBe(502);
    expect(logFor(response)).toMatchObject({ tries: 1, error: 'bad_gateway' });
    expect(await count('primary', key)).toBe(0);
  });

  it('treats a GET or PUT that carries a method override as the method it names: not replayed', async () => {
    // An origin honouring X-HTTP-Method-Override: POST runs a POST: replayed, it could run twice.
    for (const [method, override] of [
      ['GET', 'POST'],
      ['PUT', 'PATCH'],
    ]) {
      const key = `override-${crypto.randomUUID()}`;
      const response = await router.fetch(`https://dead-first.test/count/${key}`, {
        method,
        headers: { 'x-http-method-override': override as string, 'content-length': '0' },
        body: method === 'GET' ? null : '',
      });
      expect(response.status, method).toBe(502);
      expect(logFor(response)).toMatchObject({ tries: 1 });
      expect(await count('primary', key)).toBe(0);
    }
  });

  it('replays an override that names an idempotent method, or one a route with methods drops', async () => {
    const key = `override-get-${crypto.randomUUID()}`;
    const response = await router.fetch(`https://dead-first.test/count/${key}`, {
      headers: { 'x-http-method-override': 'GET' },
    });
    expect(response.status).toBe(200);
    expect(logFor(response)).toMatchObject({ tries: 2 });
  });

  it('does not move a POST past a 503 without the opt-in: the 503 is the answer', async () => {
    const response = await send('POST', 'https://pair.test/fail-on/primary/503', body(100));
    expect(response.status).toBe(503);
    expect(((await response.json()) as Echo).origin).toBe('primary');
    expect(logFor(response)).toMatchObject({ tries: 1 });
  });

  it('replays a small POST with the opt-in, byte for byte', async () => {
    const data = body(8 * 1024);
    const response = await send('POST', 'https://replay.test/echo/post', data);
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo).toMatchObject({ origin: 'backup', bodyLength: data.length });
    expect(echo.bodySha256).toBe(await sha256(data));
    expect(logFor(response)).toMatchObject({ origin: originUrl('backup'), tries: 2 });
  });

  it('replays a PATCH past a 503 with the opt-in', async () => {
    const data = body(1000);
    const response = await send('PATCH', 'https://replay-pair.test/fail-on/primary/503', data);
    const echo = (await response.json()) as Echo;
    expect(echo).toMatchObject({ origin: 'backup', method: 'PATCH', bodyLength: 1000 });
    expect(echo.bodySha256).toBe(await sha256(data));
  });

  it('does not replay a POST over max_replay_body, even with the opt-in', async () => {
    const response = await send('POST', 'https://replay.test/echo/big', body(16 * 1024 + 1));
    expect(response.status).toBe(502);
    expect(logFor(response)).toMatchObject({ tries: 1, error: 'bad_gateway' });
  });

  it('does not replay a body whose Content-Length comes with Transfer-Encoding: the length means nothing', async () => {
    const response = await router.fetch('https://replay.test/echo/chunked', {
      method: 'POST',
      body: body(100),
      headers: { 'content-length': '100', 'transfer-encoding': 'chunked' },
    });
    expect(response.status).toBe(502);
    expect(logFor(response)).toMatchObject({ tries: 1, error: 'bad_gateway' });
  });

  it('does not replay a POST of unknown length (streamed), even with the opt-in', async () => {
    const data = body(100);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data);
        controller.close();
      },
    });
    const response = await router.fetch('https://replay.test/echo/stream', { method: 'POST', body: stream });
    expect(response.status).toBe(502);
    expect(logFor(response)).toMatchObject({ tries: 1 });
  });
});

describe('failover within the total timeout', () => {
  it('counts every try against the route timeout: 504 when the tries together take longer', async () => {
    // Each origin takes 700 ms: two tries need 1.4 s, the route allows 1 s in all.
    const started = Date.now();
    const response = await router.fetch('https://tight.test/fail-on/primary/503?ms=700');
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: string }).error).toBe('gateway_timeout');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(logFor(response)).toMatchObject({ tries: 2, error: 'gateway_timeout' });
  });

  it('the same tries succeed under a roomier timeout (the control)', async () => {
    const response = await router.fetch('https://roomy.test/fail-on/primary/503?ms=700');
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).origin).toBe('backup');
  });

  it('a single origin is one try: 502 on a refused connection', async () => {
    const response = await router.fetch('https://single.test/echo/x');
    expect(response.status).toBe(502);
    expect(logFor(response)).toMatchObject({ tries: 1, error: 'bad_gateway' });
  });
});
