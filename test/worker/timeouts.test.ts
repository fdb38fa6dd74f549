/**
 * The route's clocks beyond `timeout` (time to response headers, all tries): `try_timeout`, so a
 * failover route does not spend its whole budget on a first origin that never answers, and
 * `idle_timeout`, so a body that stalls after its headers is cut instead of holding the client.
 */
import { describe, expect, it } from 'vitest';
import { sinkState as readSink } from '../origin/sink.ts';
import { type Echo, originUrl, readAll, routerFor } from './harness.ts';

const pair = [originUrl('primary'), originUrl('backup')];
const router = routerFor([
  { id: 'shared', hosts: ['shared.test'], origin: pair, timeout: '1s' },
  { id: 'whole', hosts: ['whole.test'], origin: pair, timeout: '1s', try_timeout: '1s' },
  { id: 'idle', hosts: ['idle.test'], origin: originUrl(), idle_timeout: '1s' },
  { id: 'native', hosts: ['native.test'], origin: originUrl() },
]);

describe('try_timeout', () => {
  it('by default shares the timeout between the origins: a silent first origin leaves time for the next', async () => {
    const response = await router.fetch('https://shared.test/stall-on/primary');
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).origin).toBe('backup');
  });

  it('never cuts the only try short: a request that cannot be replayed has the whole timeout', async () => {
    // A review found a POST on a failover route (one try: it cannot be replayed) cut at
    // try_timeout (half the timeout by default) and answered 504 "within 1000 ms" after 500 ms.
    const slow = await router.fetch('https://shared.test/slow?ms=700', { method: 'POST', body: 'x' });
    expect(slow.status).toBe(200);
    // Past the whole timeout it is still a 504.
    const late = await router.fetch('https://shared.test/slow?ms=1500', { method: 'POST', body: 'x' });
    expect(late.status).toBe(504);
  });

  it('set to the whole timeout, the silent first origin takes it all: 504 (the control)', async () => {
    const response = await router.fetch('https://whole.test/stall-on/primary');
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: string }).error).toBe('gateway_timeout');
  });
});

describe('idle_timeout', () => {
  it('cuts a body that stalls longer than the idle timeout: the client sees it fail, never complete', async () => {
    const response = await router.fetch('https://idle.test/stall-mid-body?ms=5000');
    expect(response.status).toBe(200);
    expect(await readAll(response)).toEqual({ bytes: 1024, failed: true });
  });

  it('lets a shorter pause through: the body arrives whole (the control)', async () => {
    const response = await router.fetch('https://idle.test/stall-mid-body?ms=200');
    expect(await readAll(response)).toEqual({ bytes: 2048, failed: false });
  });

  it('keeps the length of a body it cuts: passed on, the cut shows as fewer bytes than declared, never a complete body', async () => {
    // The router's body, relayed as an upload to the origin's sink: a body without a length goes
    // chunked, and a failed chunked upload ends with its final chunk all the same.
    for (const path of ['/close-mid-body?size=1000000', '/stall-mid-body?ms=3000']) {
      const response = await router.fetch(`https://idle.test${path}`);
      const key = crypto.randomUUID();
      await fetch(`${originUrl()}/sink/${key}`, { method: 'POST', body: response.body })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      const sink = await readSink(originUrl(), key);
      expect(sink.complete, path).toBe(false);
    }
  });

  it('is off unless set: a route without it streams a body with a long pause natively, whole', async () => {
    const response = await router.fetch('https://native.test/stall-mid-body?ms=1500');
    expect(await readAll(response)).toEqual({ bytes: 2048, failed: false });
  });
});
