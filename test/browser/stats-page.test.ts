/**
 * The page `npm run stats -- --html FILE` writes, rendered by headless Chromium: a summary table,
 * then per route its numbers and two charts (requests with error rates; p50/p95/p99), drawn as
 * inline SVG. The page is written by the real command against the local SQL API stand-in, opened
 * from disk, and must load nothing but itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../scripts/stats.ts';
import { runCommand } from '../cli/in-process.ts';
import { type SqlStandIn, type StandInRow, startSqlStandIn } from '../stand-ins/analytics-sql.ts';
import { assertChromium, LAUNCH } from './chromium.ts';

const dir = mkdtempSync(join(tmpdir(), 'stats-page-'));
const file = join(dir, 'stats.html');

let api: SqlStandIn;
let browser: Browser;
let page: Page;
const requested: string[] = [];

/** One route's minute buckets: `n` buckets from 12:00 UTC, with 5xx in the last one. */
function series(route: string, n: number, perMinute: number, lastErrors: number): StandInRow[] {
  return Array.from({ length: n }, (_, i) => ({
    route,
    t: `2026-07-01 12:${String(i).padStart(2, '0')}:00`,
    requests: String(perMinute),
    status_4xx: '0',
    status_5xx: String(i === n - 1 ? lastErrors : 0),
    p50_ms: 10 + i,
    p95_ms: 40 + i,
    p99_ms: 90 + 2 * i,
  }));
}

const summaryRow = (route: string, requests: number, errors: number): StandInRow => ({
  route,
  requests: String(requests),
  status_4xx: '0',
  status_5xx: String(errors),
  p50_ms: 12,
  p95_ms: 80,
  p99_ms: 240,
  cache_hits: '3',
  cache_misses: '1',
  failovers: '2',
});

beforeAll(async () => {
  assertChromium();
  api = await startSqlStandIn({ account: 'acc', token: 'tok' });
  api.answer = (sql) => {
    if (sql.includes('toStartOfInterval')) return [...series('api', 12, 100, 7), ...series('www', 5, 20, 0)];
    if (sql.includes('AS error')) return [{ route: 'api', error: 'bad_gateway', requests: '7' }];
    return [summaryRow('api', 1200, 7), summaryRow('www', 100, 0)];
  };
  writeFileSync(join(dir, 'wrangler.toml'), 'name = "edge-router"\n');
  const result = await runCommand(main, ['--since', '1h', '--html', file], {
    cwd: dir,
    env: { CLOUDFLARE_API_BASE_URL: api.base, CLOUDFLARE_ACCOUNT_ID: 'acc', CLOUDFLARE_API_TOKEN: 'tok' },
  });
  if (result.status !== 0) throw new Error(result.stderr);

  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage();
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(pathToFileURL(file).href);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the stats page in Chromium', () => {
  it('shows the table with one row per route and its numbers', async () => {
    expect(await page.title()).toBe('Routes of edge_router, last 1h');
    const rows = await page.$$eval('table.summary tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows).toEqual([
      ['api', '1,200', '0.0%', '0.6%', '12ms', '80ms', '240ms', '75.0%', '2', 'bad_gateway 7'],
      ['www', '100', '0.0%', '0.0%', '12ms', '80ms', '240ms', '75.0%', '2', '-'],
    ]);
  });

  it('draws two visible charts per route: traffic with a bar per bucket, and latency percentiles', async () => {
    const sections = await page.$$eval('section.route', (all) =>
      all.map((section) => ({
        name: section.querySelector('h2')?.textContent,
        charts: [...section.querySelectorAll('svg.chart')].map((svg) => ({
          kind: svg.classList[1],
          label: svg.getAttribute('aria-label'),
          width: svg.getBoundingClientRect().width,
          height: svg.getBoundingClientRect().height,
        })),
        bars: section.querySelectorAll('svg.traffic rect.bar').length,
        lines: [...section.querySelectorAll('svg.latency g.series')].map((g) => g.classList[1]),
        facts: Object.fromEntries(
          [...section.querySelectorAll('dl div')].map((d) => [
            d.querySelector('dt')?.textContent,
            d.querySelector('dd')?.textContent,
          ]),
        ),
      })),
    );
    expect(sections.map((s) => s.name)).toEqual(['api', 'www']);
    for (const section of sections) {
      expect(section.charts.map((c) => c.kind)).toEqual(['traffic', 'latency']);
      for (const chart of section.charts) {
        expect(chart.width).toBeGreaterThan(300);
        expect(chart.height).toBeGreaterThan(80);
      }
      expect(section.lines).toEqual(['p50', 'p95', 'p99']);
    }
    expect(sections[0]?.charts[0]?.label).toBe('api: requests and error rates over time');
    expect(sections.map((s) => s.bars)).toEqual([12, 5]);
    expect(sections[0]?.facts).toMatchObject({
      requests: '1,200',
      '5xx': '0.6%',
      'router errors': 'bad_gateway 7',
    });
  });

  it('tells the numbers of a bucket on hover, and the 5xx spike is where the data put it', async () => {
    const last = await page.$eval(
      'section[data-route="api"] svg.traffic rect.bar:last-of-type title',
      (t) => t.textContent,
    );
    expect(last).toBe('12:11 UTC: 100 requests, 4xx 0.0%, 5xx 7.0%');
    const rates = await page.$$eval('section[data-route="api"] g.rate-5xx circle', (dots) =>
      dots.map((dot) => Number(dot.getAttribute('cy'))),
    );
    // Flat at zero, then up: the last dot is the only one above the baseline.
    expect(new Set(rates.slice(0, -1)).size).toBe(1);
    expect(rates.at(-1)).toBeLessThan(rates[0] ?? 0);
  });

  it('loads nothing but itself: no script, no external asset, a policy that forbids them', async () => {
    expect(requested).toEqual([pathToFileURL(file).href]);
    // Runs in the page, where performance is the browser's (Node's types do not list this method).
    const resources = await page.evaluate(
      () =>
        (performance as unknown as { getEntriesByType(type: string): unknown[] }).getEntriesByType('resource')
          .length,
    );
    expect(resources).toBe(0);
    expect(await page.$$('script, link, img, iframe, object, embed')).toEqual([]);
    expect(await page.$$eval('[src], [href]', (els) => els.length)).toBe(0);
    const policy = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) =>
      m.getAttribute('content'),
    );
    expect(policy).toBe("default-src 'none'; style-src 'unsafe-inline'");
  });
});
