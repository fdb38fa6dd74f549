/**
 * The Analytics Engine data point each request writes (layout in docs/operating.md), through a
 * METRICS binding the test controls: an object whose writeDataPoint records what it is given.
 * Requests go through the real pipeline to the real local origins (primary, and a closed port);
 * the cache is workerd's own. A binding that throws must change nothing in the response.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { NO_ROUTE_INDEX } from '../../src/pipeline/metrics.ts';
import { type Echo, originUrl, routerFor } from './harness.ts';

const run = crypto.randomUUID().slice(0, 8);
const VERSION = { id: '0f6c1a52-7d3e-4c51-9a0e-2b8f4d6e1a90', tag: '', timestamp: '' };

const points: AnalyticsEngineDataPoint[] = [];
const recording = { writeDataPoint: (point?: AnalyticsEngineDataPoint) => void points.push(point ?? {}) };
let thrown = 0;
const throwing = {
  writeDataPoint: () => {
    thrown++;
    throw new Error('Analytics Engine is down');
  },
};

const routes = [
  { id: 'metrics', hosts: ['metrics.test'], origin: originUrl(), methods: ['GET', 'POST', 'PROPFIND'] },
  { id: 'metrics-cached', hosts: ['metrics-cache.test'], origin: originUrl(), cache: { ttl: 60 } },
  { id: 'metrics-dead', hosts: ['metrics-dead.test'], origin: originUrl('dead') },
  { id: 'metrics-failover', hosts: ['metrics-failover.test'], origin: [originUrl('dead'), originUrl()] },
];
const router = routerFor(routes, {}, { METRICS: recording, CF_VERSION_METADATA: VERSION });
// wrangler.toml declares version metadata, so the test env has it: this Worker runs without, as local runs may.
const unversioned = routerFor(routes, {}, { METRICS: recording, CF_VERSION_METADATA: undefined });
const broken = routerFor(routes, {}, { METRICS: throwing, CF_VERSION_METADATA: VERSION });
const without = routerFor(routes);

let log: MockInstance<typeof console.log>;
beforeEach(() => {
  points.length = 0;
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => {
  log.mockRestore();
});

/** The one data point the last request wrote. */
function onlyPoint(): AnalyticsEngineDataPoint {
  expect(points).toHaveLength(1);
  return points[0] ?? {};
}

/** The log record of the last request, to check the point says the same. */
function lastLogRecord(): Record<string, unknown> {
  return JSON.parse(String(log.mock.calls.at(-1)?.[0])) as Record<string, unknown>;
}

describe('one data point per request', () => {
  it('a proxied 200: route index, host, method, origin, tries, status, duration, version', async () => {
    const response = await router.fetch('https://metrics.test/echo/a?q=secret');
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).origin).toBe('primary');
    const point = onlyPoint();
    const record = lastLogRecord();
    expect(point).toEqual({
      indexes: ['metrics'],
      blobs: ['metrics.test', 'GET', '', 'BYPASS', 'origin', originUrl(), VERSION.id],
      doubles: [200, expect.any(Number), 1, 200, 0],
    });
    expect(record).toMatchObject({ route: 'metrics', status: 200, tries: 1, origin: originUrl() });
    expect(JSON.stringify(point)).not.toContain('secret');
  });

  it('keeps the method when it is a standard one and says OTHER for the rest', async () => {
    await router.fetch('https://metrics.test/echo/b', { method: 'POST', body: 'x' });
    expect(onlyPoint().blobs?.[1]).toBe('POST');
    points.length = 0;
    await router.fetch('https://metrics.test/echo/c', { method: 'PROPFIND' });
    expect(onlyPoint().blobs?.[1]).toBe('OTHER');
  });

  it('a 404 no_route: the no-route index and the router as the one that answered', async () => {
    const response = await router.fetch('https://nowhere.test/x');
    expect(response.status).toBe(404);
    expect(onlyPoint()).toEqual({
      indexes: [NO_ROUTE_INDEX],
      blobs: ['nowhere.test', 'GET', 'no_route', 'BYPASS', 'router', '', VERSION.id],
      doubles: [404, expect.any(Number), 0, 0, 0],
    });
  });

  it('a 502 from a dead origin: the router error code, one try, no origin status', async () => {
    const response = await router.fetch('https://metrics-dead.test/x');
    expect(response.status).toBe(502);
    expect(onlyPoint()).toEqual({
      indexes: ['metrics-dead'],
      blobs: ['metrics-dead.test', 'GET', 'bad_gateway', 'BYPASS', 'router', '', VERSION.id],
      doubles: [502, expect.any(Number), 1, 0, 0],
    });
  });

  it('a cache MISS answered by the origin, then a HIT answered by the cache', async () => {
    const url = `https://metrics-cache.test/count/metrics-${run}`;
    await (await router.fetch(url)).text();
    expect(onlyPoint().blobs?.slice(2, 6)).toEqual(['', 'MISS', 'origin', originUrl()]);
    points.length = 0;
    const hit = await router.fetch(url);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(onlyPoint()).toEqual({
      indexes: ['metrics-cached'],
      blobs: ['metrics-cache.test', 'GET', '', 'HIT', 'cache', '', VERSION.id],
      doubles: [200, expect.any(Number), 0, 0, 0],
    });
  });

  it('a failover: the second origin answered after two tries, flagged as a failover', async () => {
    const response = await router.fetch('https://metrics-failover.test/echo/f');
    expect(response.status).toBe(200);
    expect(onlyPoint()).toEqual({
      indexes: ['metrics-failover'],
      blobs: ['metrics-failover.test', 'GET', '', 'BYPASS', 'origin', originUrl(), VERSION.id],
      doubles: [200, expect.any(Number), 2, 200, 1],
    });
  });

  it('writes an empty version when the Worker has no version metadata (local runs)', async () => {
    await unversioned.fetch('https://metrics.test/echo/v');
    expect(onlyPoint().blobs?.[6]).toBe('');
  });
});

describe('a metrics write never changes the response', () => {
  it('a binding that throws: same status, body, headers and log line as with no binding', async () => {
    const id = `metrics-${run}-throws`;
    const before = thrown;
    const init = { headers: { 'x-request-id': id } };
    const failing = await broken.fetch('https://metrics.test/echo/t?x=1', init);
    const failingLog = lastLogRecord();
    const plain = await without.fetch('https://metrics.test/echo/t?x=1', init);
    const plainLog = lastLogRecord();

    expect(failing.status).toBe(200);
    expect(failing.status).toBe(plain.status);
    const [failingEcho, plainEcho] = [(await failing.json()) as Echo, (await plain.json()) as Echo];
    expect({ ...failingEcho, count: 0 }).toEqual({ ...plainEcho, count: 0 });
    const headerNames = (r: Response) => [...r.headers.keys()].filter((name) => name !== 'date').sort();
    expect(headerNames(failing)).toEqual(headerNames(plain));
    expect(failing.headers.get('x-request-id')).toBe(id);
    expect({ ...failingLog, duration_ms: 0 }).toEqual({ ...plainLog, duration_ms: 0 });
    expect(thrown).toBe(before + 1);
  });

  it('a binding that throws on a router error: the error answer is unchanged', async () => {
    const before = thrown;
    const response = await broken.fetch('https://nowhere.test/x');
    expect(thrown).toBe(before + 1);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe('no_route');
  });
});
