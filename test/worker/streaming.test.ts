/**
 * Bodies stream both ways: 20 MB up and 20 MB down arrive byte-identical (sha256), the upload
 * reaches the origin before the client has finished sending it, and a download that breaks
 * mid-body reaches the client as the bytes that came (nothing was read whole first).
 */
import { describe, expect, it } from 'vitest';
import { patternChunk } from '../origin/server.ts';
import { type Echo, originCount, originUrl, routerFor } from './harness.ts';

const SIZE = 20 * 1024 * 1024;
const CHUNK = 64 * 1024;
const router = routerFor([{ id: 'stream', hosts: ['stream.test'], origin: originUrl() }]);

/** The /bytes pattern (byte i is i % 251), generated chunk by chunk as it is read. */
function patternStream(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(CHUNK, total - sent);
      controller.enqueue(patternChunk(sent, n));
      sent += n;
    },
  });
}

/** Hex sha256 and length of a stream, hashed as it flows (never held whole). */
async function digest(stream: ReadableStream<Uint8Array>): Promise<{ sha256: string; length: number }> {
  let length = 0;
  const hasher = new crypto.DigestStream('SHA-256');
  await stream
    .pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          length += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    )
    .pipeTo(hasher);
  const bytes = new Uint8Array(await hasher.digest);
  return { sha256: [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(''), length };
}

describe('streaming bodies', () => {
  it('uploads 20 MB byte-identical', async () => {
    const expected = await digest(patternStream(SIZE));
    const response = await router.fetch('https://stream.test/echo/upload', {
      method: 'POST',
      body: patternStream(SIZE),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.bodyLength).toBe(SIZE);
    expect(echo.bodySha256).toBe(expected.sha256);
  });

  it('downloads 20 MB byte-identical', async () => {
    const expected = await digest(patternStream(SIZE));
    const response = await router.fetch(`https://stream.test/bytes?n=${SIZE}`);
    expect(response.status).toBe(200);
    expect(response.body).not.toBeNull();
    const got = await digest(response.body as ReadableStream<Uint8Array>);
    expect(got).toEqual(expected);
  });

  it('starts the upstream request before the client has finished sending the body', async () => {
    const key = `upload-stream-${crypto.randomUUID()}`;
    let finish: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(patternChunk(0, CHUNK));
        await held; // the rest of the body waits until the origin has seen the request
        controller.enqueue(patternChunk(CHUNK, CHUNK));
        controller.close();
      },
    });
    const pending = router.fetch(`https://stream.test/count/${key}`, { method: 'PUT', body });
    // The origin counts a request when its headers arrive, before it reads the body.
    let seen = 0;
    for (let waited = 0; seen === 0 && waited < 20_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = await originCount(key);
    }
    finish();
    expect(seen).toBe(1);
    const response = await pending;
    const echo = (await response.json()) as Echo;
    expect(echo.bodyLength).toBe(2 * CHUNK);
    expect(echo.bodySha256).toBe((await digest(patternStream(2 * CHUNK))).sha256);
  });

  it('passes a body that breaks mid-way through as it arrives, not as a router error', async () => {
    const response = await router.fetch('https://stream.test/close-mid-body');
    // Headers came first: the router answered with the origin's status before the body ended.
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    let failed = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
      }
    } catch {
      failed = true;
    }
    expect(received).toBeGreaterThanOrEqual(100_000);
    expect(received).toBeLessThan(1_000_000);
    expect(failed).toBe(true);
  });
});
