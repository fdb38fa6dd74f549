/**
 * A misbehaving origin never turns into a silent, truncated 200. The client gets a clear JSON
 * error (502 bad_gateway, 504 gateway_timeout), the origin's own complete answer, or — when the
 * origin dies after its headers went out — a body stream that fails, which every HTTP client can
 * detect (a read error, or fewer bytes than Content-Length).
 */
import { describe, expect, it } from 'vitest';
import { patternChunk } from '../origin/server.ts';
import { type Echo, originUrl, readAll, routerFor, sha256 } from './harness.ts';

const router = routerFor([
  { id: 'plain', hosts: ['plain.test'], origin: originUrl(), timeout: '1s' },
  { id: 'cached', hosts: ['cached.test'], origin: originUrl(), cache: { ttl: 60 } },
  { id: 'pair', hosts: ['pair.test'], origin: [originUrl(), originUrl('backup')], timeout: '2s' },
]);

interface RouterError {
  error: string;
  message: string;
  request_id: string;
}

async function expectJsonError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as RouterError;
  expect(body.error).toBe(code);
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
}

describe('an origin that misbehaves before its headers', () => {
  it('closes the connection before headers: 502 JSON', async () => {
    await expectJsonError(await router.fetch('https://plain.test/close-before-headers'), 502, 'bad_gateway');
  });

  it('sends an invalid status line: 502 JSON', async () => {
    await expectJsonError(await router.fetch('https://plain.test/bad-status-line'), 502, 'bad_gateway');
  });

  it('puts a control character in its reason phrase: relayed without the phrase, never a 500', async () => {
    for (const byte of ['01', '0b', '1f', '7f']) {
      const response = await router.fetch(`https://plain.test/odd-reason?byte=${byte}`);
      expect(response.status, byte).toBe(200);
      expect(response.statusText, byte).toMatch(/^[ -~]*$/);
      expect(await response.text(), byte).toBe('ok');
    }
    // A plain phrase is kept.
    const plain = await router.fetch('https://plain.test/status/201');
    await plain.body?.cancel();
    expect(plain.statusText).toBe('Created');
  });

  it('never answers: 504 JSON at the route timeout', async () => {
    const started = Date.now();
    await expectJsonError(await router.fetch('https://plain.test/never'), 504, 'gateway_timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('never answers on every origin of a failover route: 504 JSON within the total timeout', async () => {
    const started = Date.now();
    await expectJsonError(await router.fetch('https://pair.test/never'), 504, 'gateway_timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('closes before headers on both origins of a failover route: 502 JSON after both tries', async () => {
    await expectJsonError(await router.fetch('https://pair.test/close-before-headers'), 502, 'bad_gateway');
  });
});

describe('an origin that answers 5xx', () => {
  it.each([500, 502, 503, 504])('passes the origin %i through with its complete body', async (status) => {
    const response = await router.fetch(`https://plain.test/status/${status}`);
    expect(response.status).toBe(status);
    const echo = (await response.json()) as Echo;
    expect(echo.origin).toBe('primary');
    expect(echo.url).toBe(`/status/${status}`);
  });
});

describe('an origin that dies mid-body', () => {
  it('keeps Content-Length, so the client sees the body fail short of it, never a complete 200', async () => {
    const response = await router.fetch('https://plain.test/close-mid-body');
    // The headers were already on their way: the status cannot change any more.
    expect(response.status).toBe(200);
    const declared = Number(response.headers.get('content-length'));
    expect(declared).toBe(1_000_000);
    const read = await readAll(response);
    expect(read.failed || read.bytes !== declared).toBe(true);
    expect(read.failed).toBe(true);
    expect(read.bytes).toBeLessThan(declared);
  });

  it('without Content-Length (chunked), the client sees the body fail: the last chunk never came', async () => {
    const response = await router.fetch('https://plain.test/close-mid-body?chunked');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBeNull();
    const read = await readAll(response);
    expect(read.failed).toBe(true);
    expect(read.bytes).toBeLessThanOrEqual(100_000);
  });

  it.each([
    ['with Content-Length', ''],
    ['with a Content-Length too large to hold in memory (20 MB)', '?size=20000000'],
    ['chunked', '?chunked'],
  ])('%s, is not stored in the edge cache: the next request is no truncated HIT', async (_, query) => {
    const path = `/close-mid-body${query}${query ? '&' : '?'}k=${crypto.randomUUID()}`;
    const first = await router.fetch(`https://cached.test${path}`);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect((await readAll(first)).failed).toBe(true);
    const second = await router.fetch(`https://cached.test${path}`);
    expect(second.headers.get('x-cache')).toBe('MISS');
    expect((await readAll(second)).failed).toBe(true);
  });

  it('a complete cacheable body is stored and served whole (the control)', async () => {
    const path = `/bytes?n=200000&k=${crypto.randomUUID()}`;
    const first = await router.fetch(`https://cached.test${path}`);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect((await first.arrayBuffer()).byteLength).toBe(200_000);
    const second = await router.fetch(`https://cached.test${path}`);
    expect(second.headers.get('x-cache')).toBe('HIT');
    const body = new Uint8Array(await second.arrayBuffer());
    expect(await sha256(body)).toBe(await sha256(patternChunk(0, 200_000)));
  });
});

describe('a well-behaved origin under the same router (the control)', () => {
  it('delivers a 5 MB body complete and byte-identical', async () => {
    const size = 5 * 1024 * 1024;
    const response = await router.fetch(`https://plain.test/bytes?n=${size}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(size));
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.length).toBe(size);
    expect(await sha256(body)).toBe(await sha256(patternChunk(0, size)));
  });
});
