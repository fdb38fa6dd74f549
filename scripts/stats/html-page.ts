/**
 * `npm run stats -- --html FILE`: one self-contained page (inline CSS and SVG, no script, no
 * external asset; its Content-Security-Policy forbids loading any) with the per-route table and,
 * per route, two charts over the window: requests with the 4xx/5xx rates, and the p50/p95/p99
 * durations. Hovering a bar or a point shows its numbers (SVG <title>, no script needed).
 */
import type { SeriesPoint } from './query-stats.ts';
import { cacheHitRatio, type RouteStats, rate } from './route-stats.ts';
import { formatCount, formatErrors, formatMs, formatPercent, statsCells, statsHeadings } from './table.ts';

export interface StatsPage {
  dataset: string;
  /** The window as written: `1h`. */
  window: string;
  generatedAt: Date;
  bucketMinutes: number;
  rows: RouteStats[];
  series: Map<string, SeriesPoint[]>;
}

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 56, right: 56, top: 14, bottom: 26 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;

/**
 * Escapes text for HTML and SVG.
 * @example escapeHtml('<a & "b">') // '&lt;a &amp; &quot;b&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Milliseconds since the epoch of an API timestamp (`YYYY-MM-DD hh:mm:ss`, UTC). */
const time = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`);

/** The time axis shared by every chart on the page, so routes line up. */
interface Domain {
  start: number;
  end: number;
  bucketMs: number;
}

function domainOf(page: StatsPage): Domain | null {
  const times = [...page.series.values()]
    .flat()
    .map((p) => time(p.t))
    .filter(Number.isFinite);
  if (times.length === 0) return null;
  const bucketMs = page.bucketMinutes * 60_000;
  return { start: Math.min(...times), end: Math.max(...times) + bucketMs, bucketMs };
}

const x = (d: Domain, ms: number) => PAD.left + ((ms - d.start) / (d.end - d.start)) * PLOT_W;
const y = (value: number, max: number) => PAD.top + PLOT_H - (max > 0 ? (value / max) * PLOT_H : 0);
const f = (n: number) => n.toFixed(1);

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

function clock(ms: number, withDate: boolean): string {
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** Frame, axis labels and legend shared by both charts. */
function frame(d: Domain, left: string, right: string, legend: Array<[string, string]>): string {
  const withDate = d.end - d.start > 86_400_000;
  const bottom = PAD.top + PLOT_H;
  const items = legend
    .map(
      ([css, label], i) =>
        `<g class="legend ${css}"><line x1="${PAD.left + i * 110}" x2="${PAD.left + i * 110 + 14}" y1="${HEIGHT - 6}" y2="${HEIGHT - 6}"/><text x="${PAD.left + i * 110 + 18}" y="${HEIGHT - 2}">${escapeHtml(label)}</text></g>`,
    )
    .join('');
  return [
    `<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${PLOT_W}" height="${PLOT_H}"/>`,
    `<text class="axis" x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end">${escapeHtml(left)}</text>`,
    `<text class="axis" x="${PAD.left - 4}" y="${bottom}" text-anchor="end">0</text>`,
    right
      ? `<text class="axis" x="${WIDTH - PAD.right + 4}" y="${PAD.top + 8}">${escapeHtml(right)}</text>`
      : '',
    `<text class="axis" x="${PAD.left}" y="${bottom + 12}">${clock(d.start, withDate)} UTC</text>`,
    `<text class="axis" x="${WIDTH - PAD.right}" y="${bottom + 12}" text-anchor="end">${clock(d.end, withDate)}</text>`,
    items,
  ].join('');
}

/** A polyline with a hoverable dot per point. */
function line(css: string, points: Array<[number, number, string]>): string {
  if (points.length === 0) return '';
  const path = points.map(([px, py]) => `${f(px)},${f(py)}`).join(' ');
  const dots = points
    .map(
      ([px, py, label]) =>
        `<circle cx="${f(px)}" cy="${f(py)}" r="2.5"><title>${escapeHtml(label)}</title></circle>`,
    )
    .join('');
  return `<g class="series ${css}"><polyline points="${path}"/>${dots}</g>`;
}

function trafficChart(route: string, points: SeriesPoint[], d: Domain): string {
  const maxRequests = niceMax(Math.max(...points.map((p) => p.requests)));
  const rates = points.flatMap((p) => [
    rate(p.status4xx, p.requests) ?? 0,
    rate(p.status5xx, p.requests) ?? 0,
  ]);
  const maxRate = Math.max(0.05, niceMax(Math.max(...rates) * 100) / 100);
  const barWidth = Math.max(1, (d.bucketMs / (d.end - d.start)) * PLOT_W - 1);
  const bars = points
    .map((p) => {
      const top = y(p.requests, maxRequests);
      const label = `${clock(time(p.t), false)} UTC: ${formatCount(p.requests)} requests, 4xx ${formatPercent(rate(p.status4xx, p.requests))}, 5xx ${formatPercent(rate(p.status5xx, p.requests))}`;
      return `<rect class="bar" x="${f(x(d, time(p.t)))}" y="${f(top)}" width="${f(barWidth)}" height="${f(PAD.top + PLOT_H - top)}"><title>${escapeHtml(label)}</title></rect>`;
    })
    .join('');
  const middle = (p: SeriesPoint) => x(d, time(p.t)) + barWidth / 2;
  const rateLine = (css: string, pick: (p: SeriesPoint) => number) =>
    line(
      css,
      points.map((p) => [
        middle(p),
        y((rate(pick(p), p.requests) ?? 0) / maxRate, 1),
        `${css} ${formatPercent(rate(pick(p), p.requests))}`,
      ]),
    );
  return svg(
    'traffic',
    `${route}: requests and error rates over time`,
    frame(d, formatCount(maxRequests), formatPercent(maxRate), [
      ['bar', 'requests'],
      ['rate-4xx', '4xx rate'],
      ['rate-5xx', '5xx rate'],
    ]) +
      bars +
      rateLine('rate-4xx', (p) => p.status4xx) +
      rateLine('rate-5xx', (p) => p.status5xx),
  );
}

function latencyChart(route: string, points: SeriesPoint[], d: Domain): string {
  const max = niceMax(Math.max(...points.map((p) => p.p99 ?? p.p95 ?? p.p50 ?? 0)));
  const percentile = (css: string, pick: (p: SeriesPoint) => number | null) =>
    line(
      css,
      points
        .filter((p) => pick(p) !== null)
        .map((p) => [x(d, time(p.t) + d.bucketMs / 2), y(pick(p) ?? 0, max), `${css} ${formatMs(pick(p))}`]),
    );
  return svg(
    'latency',
    `${route}: p50, p95 and p99 duration over time`,
    frame(d, formatMs(max), '', [
      ['p50', 'p50'],
      ['p95', 'p95'],
      ['p99', 'p99'],
    ]) +
      percentile('p50', (p) => p.p50) +
      percentile('p95', (p) => p.p95) +
      percentile('p99', (p) => p.p99),
  );
}

function svg(kind: string, title: string, body: string): string {
  return `<svg class="chart ${kind}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>${body}</svg>`;
}

/** One route: its numbers in words, then its two charts. */
function routeSection(row: RouteStats, points: SeriesPoint[], d: Domain | null): string {
  const facts = [
    ['requests', formatCount(row.requests)],
    ['4xx', formatPercent(rate(row.status4xx, row.requests))],
    ['5xx', formatPercent(rate(row.status5xx, row.requests))],
    ['p50', formatMs(row.p50)],
    ['p95', formatMs(row.p95)],
    ['p99', formatMs(row.p99)],
    ['cache hit', formatPercent(cacheHitRatio(row))],
    ['failovers', formatCount(row.failovers)],
    ['router errors', formatErrors(row.errors)],
  ]
    .map(([name, value]) => `<div><dt>${name}</dt><dd>${escapeHtml(value ?? '')}</dd></div>`)
    .join('');
  const charts =
    d && points.length > 0
      ? trafficChart(row.route, points, d) + latencyChart(row.route, points, d)
      : '<p class="empty">No time series for this route.</p>';
  return `<section class="route" data-route="${escapeHtml(row.route)}"><h2>${escapeHtml(row.route)}</h2><dl>${facts}</dl>${charts}</section>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2433;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 4px}
.meta{color:#5b6475;margin:0 0 16px}
table{border-collapse:collapse}th,td{padding:3px 10px;border-bottom:1px solid #e3e6ec;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th:last-child,td:last-child{text-align:left}
dl{display:flex;flex-wrap:wrap;gap:4px 18px;margin:0 0 8px}dl div{display:flex;gap:6px}dt{color:#5b6475}dd{margin:0;font-weight:600}
.chart{display:block;margin:6px 0;max-width:100%;height:auto}
.plot{fill:#fafbfc;stroke:#d5d9e0}.axis,.legend text{font-size:10px;fill:#5b6475}
.bar{fill:#9db7e5}.legend.bar line{stroke:#9db7e5;stroke-width:6}
.series polyline{fill:none;stroke-width:1.6}.series circle{stroke:none}
.rate-4xx polyline,.legend.rate-4xx line{stroke:#d08a00}.rate-4xx circle{fill:#d08a00}
.rate-5xx polyline,.legend.rate-5xx line{stroke:#c62828}.rate-5xx circle{fill:#c62828}
.p50 polyline,.legend.p50 line{stroke:#2e7d32}.p50 circle{fill:#2e7d32}
.p95 polyline,.legend.p95 line{stroke:#6a1b9a}.p95 circle{fill:#6a1b9a}
.p99 polyline,.legend.p99 line{stroke:#c62828}.p99 circle{fill:#c62828}
.legend line{stroke-width:2}.empty{color:#5b6475}
`;

/**
 * The whole page.
 * @example writeFileSync('stats.html', renderStatsPage({ dataset, window: '1h', ... }))
 */
export function renderStatsPage(page: StatsPage): string {
  const d = domainOf(page);
  const withVersion = page.rows.some((row) => row.version !== undefined);
  const head = statsHeadings(withVersion)
    .map((h) => `<th>${h}</th>`)
    .join('');
  const body = page.rows
    .map(
      (row) =>
        `<tr>${statsCells(row, withVersion)
          .map((c) => `<td>${escapeHtml(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  const sections = page.rows.map((row) => routeSection(row, page.series.get(row.route) ?? [], d)).join('\n');
  const title = `Routes of ${page.dataset}, last ${page.window}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Generated ${escapeHtml(page.generatedAt.toISOString())} by npm run stats; ${page.bucketMinutes}-minute buckets; counts weighted by Analytics Engine's sample interval.</p>
${page.rows.length === 0 ? '<p class="empty">No requests in this window.</p>' : `<table class="summary"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`}
${sections}
</body>
</html>
`;
}
