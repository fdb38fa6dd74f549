/**
 * max_body: a declared Content-Length over the limit is refused before anything is sent; a body
 * without a length is counted as it streams and cut at the limit. The origin's /sink counts the
 * bytes it actually received, even from an upload that was cut, so the tests can prove the origin
 * never saw more than the limit.
 */
import { describe, expect, it } from 'vitest';
import { sinkState as readSink, type Sink } from '../origin/sink.ts';
import { type Echo, originUrl, routerFor, sha256 } from './harness.ts';

const LIMIT = 64 * 1024;

const router = routerFor([
  { id: 'upload', hosts: ['upload.test'], origin: originUrl(), max_body: '64kb' },
  { id: 'free', hosts: ['free.test'], origin: originUrl() },
  // Failover reads a replayable body whole before the first try.
  {
    id: 'replay',
    hosts: ['replay.test'],
    origin: [originUrl('primary'), originUrl('backup')],
    max_body: '64kb',
    timeout: '3s',
  },
]);

/** Deterministic bytes: `total` of them, in chunks of `chunk`. */
function bytes(total: number): Uint8Array {
  const out = new Uint8Array(total);
  for (let i = 0; i < total; i++) out[i] = (i * 7) % 256;
  return out;
}

/** A body with no length: the client streams it in chunks, as a chunked upload would arrive. */
function stream(data: Uint8Array, chunk = 8 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= data.length) return controller.close();
      controller.enqueue(data.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

function post(url: string, body: BodyInit): Promise<Response> {
  return router.fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
}

/** What the origin's /sink/KEY received, once the origin has finished with that request. */
function sinkState(key: string): Promise<Sink> {
  return readSink(originUrl(), key);
}

async function expectTooLarge(response: Response): Promise<void> {
  expect(response.status).toBe(413);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; message: string };
  expect(body.error).toBe('payload_too_large');
  expect(body.message).toContain(String(LIMIT));
}

describe('max_body with Content-Length', () => {
  it('refuses a declared length over the limit with 413 JSON, before contacting the origin', async () => {
    const key = `cl-${crypto.randomUUID()}`;
    // As a client would send it: workerd does not expose the length of a byte body as a header.
    const request = new Request(`https://upload.test/sink/${key}`, {
      method: 'POST',
      body: bytes(LIMIT + 1),
      headers: { 'content-length': String(LIMIT + 1) },
    });
    await expectTooLarge(await router.fetch(request));
    expect((await sinkState(key)).seen).toBe(false);
  });

  it('forwards a body of exactly the limit, intact', async () => {
    const data = bytes(LIMIT);
    const response = await post('https://upload.test/echo/x', data);
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.bodyLength).toBe(LIMIT);
    expect(echo.bodySha256).toBe(await sha256(data));
  });
});

describe('max_body without Content-Length (streamed)', () => {
  it('forwards a streamed body under the limit, intact', async () => {
    const data = bytes(LIMIT - 100);
    const response = await post('https://upload.test/echo/x', stream(data));
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.headers['content-length']).toBeUndefined();
    expect(echo.bodyLength).toBe(data.length);
    expect(echo.bodySha256).toBe(await sha256(data));
  });

  it('cuts a streamed body at the limit with 413; the origin never receives more than the limit', async () => {
    const key = `stream-${crypto.randomUUID()}`;
    await expectTooLarge(await post(`https://upload.test/sink/${key}`, stream(bytes(1024 * 1024))));
    const state = await sinkState(key);
    expect(state.complete).toBe(false);
    expect(state.bytes).toBeLessThanOrEqual(LIMIT);
  });

  it('cuts at the limit even when the over-limit chunk is a single large one', async () => {
    const key = `big-chunk-${crypto.randomUUID()}`;
    await expectTooLarge(
      await post(`https://upload.test/sink/${key}`, stream(bytes(512 * 1024), 256 * 1024)),
    );
    const state = await sinkState(key);
    expect(state.complete).toBe(false);
    expect(state.bytes).toBeLessThanOrEqual(LIMIT);
  });

  it('the same stream on a route without max_body reaches the origin whole (the control)', async () => {
    const key = `control-${crypto.randomUUID()}`;
    const response = await post(`https://free.test/sink/${key}`, stream(bytes(1024 * 1024)));
    expect(response.status).toBe(200);
    const state = await sinkState(key);
    expect(state).toMatchObject({ complete: true, bytes: 1024 * 1024 });
  });

  // On a route with max_body, where the router counts the upload. A body made in JavaScript can
  // fail without the request being cancelled, which a real client's failed upload never does; on
  // routes without max_body the body streams natively, and test/cli/client-cut-upload.test.ts
  // shows that a real client cut midway never reaches the origin as complete.
  it('never delivers a client upload that failed midway to the origin as complete', async () => {
    const key = `failed-${crypto.randomUUID()}`;
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 3) return controller.error(new Error('client went away'));
        sent++;
        controller.enqueue(bytes(8 * 1024));
      },
    });
    const response = await post(`https://upload.test/sink/${key}`, failing);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('bad_request');
    const state = await sinkState(key);
    expect(state.complete).toBe(false);
    expect(state.bytes).toBeLessThanOrEqual(3 * 8 * 1024);
  });
});

/**
 * A declared length is a claim. workerd frames a body sent with both Content-Length and
 * Transfer-Encoding: chunked as chunked, yet shows the Worker the Content-Length (found by an
 * adversarial review: `Content-Length: 10` with 50,000 chunked bytes passed a 1 kb limit).
 */
describe('max_body when the declared length is not the body', () => {
  /** A request whose headers declare `headers` while the body streams `data`. */
  function declaring(
    url: string,
    data: Uint8Array,
    headers: Record<string, string>,
    { method = 'POST', chunk = 8 * 1024 } = {},
  ): Request {
    return new Request(url, { method, body: stream(data, chunk), headers });
  }

  for (const [name, headers] of [
    [
      'Content-Length with Transfer-Encoding: chunked',
      { 'content-length': '10', 'transfer-encoding': 'chunked' },
    ],
    ['a Content-Length smaller than the body', { 'content-length': '10' }],
    ['a Content-Length of exactly the limit', { 'content-length': String(LIMIT) }],
  ] as const) {
    it(`${name}: the origin never receives more than the limit`, async () => {
      const key = `declared-${crypto.randomUUID()}`;
      const response = await router.fetch(
        declaring(`https://upload.test/sink/${key}`, bytes(1024 * 1024), headers),
      );
      expect([400, 413]).toContain(response.status);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /^(payload_too_large|bad_request)$/,
      );
      const state = await sinkState(key);
      expect(state.complete).toBe(false);
      expect(state.bytes).toBeLessThanOrEqual(LIMIT);
    });
  }

  it('a body longer than its Content-Length, within the limit: 400, never delivered whole', async () => {
    const key = `longer-${crypto.randomUUID()}`;
    const response = await router.fetch(
      declaring(`https://upload.test/sink/${key}`, bytes(2048), { 'content-length': '1024' }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain('Content-Length');
    expect((await sinkState(key)).complete).toBe(false);
  });

  it('a body shorter than its Content-Length: 400, never delivered as complete', async () => {
    const key = `shorter-${crypto.randomUUID()}`;
    const response = await router.fetch(
      declaring(`https://upload.test/sink/${key}`, bytes(1024), { 'content-length': '4096' }),
    );
    expect(response.status).toBe(400);
    expect((await sinkState(key)).complete).toBe(false);
  });

  it('on a failover route, which reads the body whole to replay it: 400 for a longer or shorter body', async () => {
    for (const [sent, declared] of [
      [2048, 1024],
      [1024, 4096],
    ]) {
      const put = declaring(
        'https://replay.test/echo/x',
        bytes(sent as number),
        { 'content-length': String(declared) },
        { method: 'PUT', chunk: 512 },
      );
      const response = await router.fetch(put);
      expect(response.status, `${sent} sent, ${declared} declared`).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('bad_request');
    }
  });

  it('a true length still replays intact on that route', async () => {
    const data = bytes(4096);
    const put = declaring(
      'https://replay.test/echo/x',
      data,
      { 'content-length': String(data.length) },
      { method: 'PUT', chunk: 1000 },
    );
    const response = await router.fetch(put);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).bodySha256).toBe(await sha256(data));
  });

  it('a true Content-Length under the limit still reaches the origin intact, with its length', async () => {
    const data = bytes(LIMIT - 1);
    const response = await router.fetch(
      declaring('https://upload.test/echo/x', data, { 'content-length': String(data.length) }),
    );
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.headers['content-length']).toBe(String(data.length));
    expect(echo.bodySha256).toBe(await sha256(data));
  });

  it('on a route without max_body, a Content-Length sent with Transfer-Encoding is not forwarded', async () => {
    const data = bytes(5000);
    const response = await router.fetch(
      declaring('https://free.test/echo/x', data, { 'content-length': '10', 'transfer-encoding': 'chunked' }),
    );
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.headers['content-length']).toBeUndefined();
    expect(echo.bodyLength).toBe(data.length);
  });
});
