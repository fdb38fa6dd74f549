/**
 * Bodies the router reads itself, from a client that lies about them or stalls: the body a
 * failover route keeps for replay, and the rest of an upload refused by max_body. Found by an
 * adversarial review: the replay read trusted Content-Length (a body declared 10 bytes was read
 * whole, 5 MB, and sent on; a shorter one went on as a complete request) and had no clock, and a
 * refused upload from a client that stalled never got its 413.
 */
import { describe, expect, it } from 'vitest';
import { type Echo, originUrl, routerFor } from './harness.ts';

const router = routerFor([
  { id: 'replay', hosts: ['replay.test'], origin: [originUrl(), originUrl('backup')], timeout: '2s' },
  {
    id: 'replay-post',
    hosts: ['replay-post.test'],
    origin: [originUrl('dead'), originUrl('backup')],
    retry: { non_idempotent: true, max_replay_body: '1kb' },
  },
  { id: 'limited', hosts: ['limited.test'], origin: originUrl(), max_body: '1kb', timeout: '1s' },
]);

const bytes = (n: number) => new Uint8Array(n).fill(65);

/** A client body: `first` bytes, then the end, an error, or a stall. */
function clientBody(first: number, then: 'end' | 'error' | 'stall', more = 0): ReadableStream<Uint8Array> {
  let step = 0;
  return new ReadableStream({
    pull(controller) {
      step++;
      if (step === 1) return controller.enqueue(bytes(first));
      if (step === 2 && more > 0) return controller.enqueue(bytes(more));
      if (then === 'end') return controller.close();
      if (then === 'error') return controller.error(new Error('client went away'));
      return new Promise<void>(() => {});
    },
  });
}

function send(url: string, method: string, body: ReadableStream<Uint8Array>, length?: number) {
  const headers: Record<string, string> = length === undefined ? {} : { 'content-length': String(length) };
  return router.fetch(new Request(url, { method, body, headers, duplex: 'half' } as RequestInit));
}

/** The response, or null when none came within `ms`. */
function within(response: Promise<Response>, ms: number): Promise<Response | null> {
  return Promise.race([response, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);
}

describe('a body kept for replay', () => {
  it('is exactly its declared length: a longer one is refused, never read whole and sent on', async () => {
    const cases: Array<[string, string]> = [
      ['replay.test', 'PUT'],
      ['replay-post.test', 'POST'],
    ];
    for (const [host, method] of cases) {
      const response = await send(`https://${host}/echo/x`, method, clientBody(10, 'end', 200_000), 10);
      expect(response.status, host).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('bad_request');
    }
  });

  it('is refused when shorter than declared, or when the upload fails: never a complete shorter request', async () => {
    for (const then of ['end', 'error'] as const) {
      const response = await send('https://replay.test/echo/x', 'PUT', clientBody(5, then), 10);
      expect(response.status, then).toBe(400);
    }
  });

  it('waits no longer than the route timeout for a client that stalls', async () => {
    const response = await within(
      send('https://replay.test/echo/x', 'PUT', clientBody(5, 'stall'), 10),
      8_000,
    );
    expect(response?.status).toBe(504);
  }, 15_000);

  it('goes to the origin whole when it is as declared (the control)', async () => {
    const response = await send('https://replay.test/echo/x', 'PUT', clientBody(6, 'end', 4), 10);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).bodyLength).toBe(10);
  });
});

describe('a refused upload', () => {
  it('gets its answer even when the client stalls after the limit', async () => {
    // Both at once: each waits for the drain's 5 s.
    const [chunked, declared] = await Promise.all([
      within(send('https://limited.test/sink/x', 'POST', clientBody(2048, 'stall')), 12_000),
      within(send('https://limited.test/sink/x', 'POST', clientBody(200, 'stall'), 100), 12_000),
    ]);
    expect(chunked?.status).toBe(413);
    expect([400, 413]).toContain(declared?.status);
  }, 30_000);
});
