/**
 * The per-route counters of `npm start` / `npm run dev`, fed with lines as `wrangler dev` prints
 * them (its own lines mixed with the router's JSON log lines), rendered with the same table as
 * `npm run stats`. The spawned demo test checks the table it prints on Ctrl-C.
 */
import { describe, expect, it } from 'vitest';
import { localStats, localSummary, statsEvery } from '../../scripts/stats/local-stats.ts';

let n = 0;
/** A router log line as the Worker prints it. */
function line(fields: Record<string, unknown>): string {
  n++;
  return JSON.stringify({
    request_id: `req-${String(n).padStart(8, '0')}`,
    route: 'api',
    host: 'api.localhost',
    method: 'GET',
    path: '/v1/users',
    status: 200,
    duration_ms: 10,
    cache: 'BYPASS',
    origin: 'http://127.0.0.1:8788',
    origin_status: 200,
    tries: 1,
    error: null,
    ...fields,
  });
}

/** What wrangler dev printed in a short session: its own lines and the router's. */
const session = [
  '⎔ Starting local server...',
  '[wrangler:info] Ready on http://127.0.0.1:8787',
  ...Array.from({ length: 18 }, (_, i) => line({ duration_ms: i + 1 })),
  line({ status: 504, duration_ms: 2000, origin: null, origin_status: null, error: 'gateway_timeout' }),
  line({ status: 200, duration_ms: 90, origin: 'http://127.0.0.1:8799', tries: 2 }),
  '[wrangler:info] GET /v1/users 200 OK (12ms)',
  line({ route: 'assets', host: 'www.localhost', path: '/assets/logo.svg', cache: 'MISS', duration_ms: 7 }),
  line({
    route: 'assets',
    host: 'www.localhost',
    path: '/assets/logo.svg',
    cache: 'HIT',
    duration_ms: 1,
    origin: null,
    origin_status: null,
    tries: 0,
  }),
  line({
    route: null,
    host: 'nowhere.localhost',
    path: '/',
    status: 404,
    duration_ms: 0,
    origin: null,
    origin_status: null,
    tries: 0,
    error: 'no_route',
  }),
  '{"not":"a router line"}',
  '{"request_id": broken',
];

describe('per-route counters of a local run', () => {
  it("counts only the router's lines, per route", () => {
    const stats = localStats();
    const counted = session.map((l) => stats.add(l));
    expect(counted.filter(Boolean)).toHaveLength(23);
    expect(stats.rows().map((r) => [r.route, r.requests])).toEqual([
      ['(none)', 1],
      ['api', 20],
      ['assets', 2],
    ]);
  });

  it('computes the same numbers stats reports: rates, exact percentiles, cache hits, failovers, errors', () => {
    const stats = localStats();
    for (const l of session) stats.add(l);
    const api = stats.rows().find((r) => r.route === 'api');
    expect(api).toEqual({
      route: 'api',
      requests: 20,
      status4xx: 0,
      status5xx: 1,
      errors: { gateway_timeout: 1 },
      // Durations 1..18, 90 and 2000 ms: the 10th of 20 is 10 ms, the 19th is 90, the 20th 2000.
      p50: 10,
      p95: 90,
      p99: 2000,
      cacheHits: 0,
      cacheMisses: 0,
      failovers: 1,
    });
    expect(localSummary(stats)).toBe(
      [
        'Requests per route since the router started:',
        '',
        'ROUTE   REQUESTS     4XX   5XX   P50   P95     P99  CACHE HIT  FAILOVERS  ROUTER ERRORS',
        '(none)         1  100.0%  0.0%   0ms   0ms     0ms          -          0  no_route 1',
        'api           20    0.0%  5.0%  10ms  90ms  2000ms          -          1  gateway_timeout 1',
        'assets         2    0.0%  0.0%   1ms   7ms     7ms      50.0%          0  -',
        '',
      ].join('\n'),
    );
  });

  it('says so before any request', () => {
    expect(localSummary(localStats())).toBe('No requests reached the router yet.');
  });

  it('--stats-every takes a duration of a second or more', () => {
    expect(statsEvery('30s')).toBe(30_000);
    expect(statsEvery('1m')).toBe(60_000);
    expect(() => statsEvery('10ms')).toThrow('--stats-every takes a duration of 1s or more');
    expect(() => statsEvery('often')).toThrow('--stats-every');
  });
});
