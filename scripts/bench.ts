/**
 * `npm run bench`: the router against the hand-written seed Worker, side by side in one run, on
 * this machine. Prints one Markdown table and writes bench/results/latest.{json,md}.
 *
 * Environment: BENCH_SECONDS (per load run, default 5), BENCH_ROUNDS (alternating rounds,
 * default 3), BENCH_STREAM_MB (largest streamed body, default 1024).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { bundleEntry, bundleRouter } from '../bench/bundle.ts';
import { download, peakRss, upload, workerdPid } from '../bench/memory.ts';
import { startBenchOrigin } from '../bench/origin.ts';
import { measureResolution } from '../bench/resolve.ts';
import { benchTable } from '../bench/tables.ts';
import { type LoadResult, runLoad } from '../bench/throughput.ts';
import { startWorker } from '../bench/workers.ts';
import { analyze } from './compiler/analyze.ts';
import { compileConfig } from './compiler/compile.ts';
import { renderTableModule } from './compiler/emit.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STREAM_MB = Number(process.env.BENCH_STREAM_MB ?? 1024);
const MiB = 1024 * 1024;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const log = (line: string) => console.error(`[bench] ${line}`);

async function main() {
  const origin = await startBenchOrigin();
  const originUrl = `http://127.0.0.1:${origin.port}`;
  const small = benchTable(10, originUrl);
  const large = benchTable(10_000, originUrl);
  // The seed looks every GET up in the Cache API (and tries to store it); this variant does the
  // same work: cache on, so each request is looked up (a MISS: the origin says no-store).
  const cached = benchTable(10, originUrl, 10, { cache: { ttl: 60 } });

  log('bundling the seed and the router at 10 and 10,000 routes (wrangler deploy --dry-run)');
  const seedBundle = bundleEntry('seed', 'bench/seed-worker.js');
  const r10Bundle = bundleRouter('router-10', compileConfig(small.config));
  const r10kBundle = bundleRouter('router-10k', compileConfig(large.config));
  const cachedBundle = bundleRouter('router-10-cache', compileConfig(cached.config));

  log('startup: script evaluation in V8, new Miniflare -> ready, first request (3 tries each, median)');
  const startup: Record<string, { evalMs: number; readyMs: number; firstRequestMs: number }> = {};
  for (const [name, script, host] of [
    ['seed', seedBundle.scriptPath, 'api.fluxkontext.space'],
    ['router-10', r10Bundle.scriptPath, small.host],
    ['router-10k', r10kBundle.scriptPath, large.host],
  ] as const) {
    const ready: number[] = [];
    const first: number[] = [];
    const evaluation: number[] = [];
    for (let i = 0; i < 3; i++) {
      evaluation.push(evaluationMs(script));
      const worker = await startWorker(script, {
        TARGET_DOMAIN: `127.0.0.1:${origin.port}`,
        TARGET_SCHEME: 'http',
      });
      const t = performance.now();
      await fetchOnce(worker.url, host);
      first.push(performance.now() - t);
      ready.push(worker.readyMs);
      await worker.dispose();
    }
    startup[name] = { evalMs: median(evaluation), readyMs: median(ready), firstRequestMs: median(first) };
  }

  log(`throughput: ${ROUNDS} alternating rounds of ${SECONDS} s per target and body size`);
  const seed = await startWorker(seedBundle.scriptPath, {
    TARGET_DOMAIN: `127.0.0.1:${origin.port}`,
    TARGET_SCHEME: 'http',
  });
  const r10 = await startWorker(r10Bundle.scriptPath);
  const r10cache = await startWorker(cachedBundle.scriptPath);
  // Started last: the memory measurement below follows the newest workerd process.
  const r10k = await startWorker(r10kBundle.scriptPath);
  const targets = [
    { name: 'origin direct', url: new URL(originUrl), host: '127.0.0.1' },
    { name: 'seed Worker', url: seed.url, host: 'api.fluxkontext.space' },
    { name: 'router, 10 routes', url: r10.url, host: small.host },
    { name: 'router, 10,000 routes', url: r10k.url, host: large.host },
    { name: 'router, 10 routes, cache on', url: r10cache.url, host: cached.host },
  ];
  const loads: Record<string, Record<string, LoadResult[]>> = {};
  for (const [body, connections] of [
    ['/small', 32],
    ['/large', 8],
  ] as const) {
    loads[body] = {};
    for (const t of targets) await runLoad(new URL(body, t.url).href, t.host, 1, connections); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const result = await runLoad(new URL(body, t.url).href, t.host, SECONDS, connections);
        const runs = loads[body][t.name] ?? [];
        runs.push(result);
        loads[body][t.name] = runs;
        log(`${body} ${t.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
      }
    }
  }

  log(`memory: streaming up to ${STREAM_MB} MiB through the router each way`);
  const pid = workerdPid();
  const memory: Record<string, number> = { idle: await peakRss(pid, async () => undefined) };
  for (const mb of [64, STREAM_MB]) {
    memory[`download ${mb} MiB`] = await peakRss(pid, () => download(r10k.url, large.host, mb * MiB));
    memory[`upload ${mb} MiB, Content-Length`] = await peakRss(pid, () =>
      upload(r10k.url, large.host, mb * MiB),
    );
  }
  // Last: a chunked upload is counted chunk by chunk in JavaScript, which leaves garbage for
  // V8 to collect; the peak it reaches stays.
  memory[`upload ${STREAM_MB} MiB, chunked`] = await peakRss(pid, () =>
    upload(r10k.url, large.host, STREAM_MB * MiB, true),
  );
  await Promise.all([seed.dispose(), r10.dispose(), r10cache.dispose(), r10k.dispose()]);
  await origin.close();

  log('route resolution in Node (the shared resolver)');
  const resolution = [
    measureResolution(10, 10),
    measureResolution(1_000, 1_000),
    measureResolution(10_000, 10_000),
    measureResolution(10_000, 100),
  ];

  log('check + build of 10,000 routes');
  const yamlText = stringify(large.config);
  const buildStart = performance.now();
  const analysis = analyze(yamlText);
  if (!analysis.table) throw new Error('the generated 10,000-route table did not compile');
  renderTableModule(analysis.table, 'bench.yaml');
  const buildMs = performance.now() - buildStart;

  const results = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    settings: { seconds: SECONDS, rounds: ROUNDS, streamMiB: STREAM_MB },
    throughput: Object.fromEntries(
      Object.entries(loads).map(([body, byTarget]) => [
        body,
        Object.fromEntries(
          Object.entries(byTarget).map(([name, runs]) => [
            name,
            {
              rps: median(runs.map((r) => r.rps)),
              p50: median(runs.map((r) => r.p50)),
              p99: median(runs.map((r) => r.p99)),
              errors: runs.reduce((n, r) => n + r.errors + r.non2xx, 0),
            },
          ]),
        ),
      ]),
    ),
    resolution,
    bundle: { 'router-10': r10Bundle, 'router-10k': r10kBundle, seed: seedBundle },
    startup,
    buildMs10k: buildMs,
    memoryBytes: memory,
  };
  const markdown = renderMarkdown(results);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync('bench/results/latest.md', markdown);
  console.log(markdown);
}

/**
 * Worker startup as Cloudflare counts it: the bundle's top-level evaluation (parse, compile,
 * run), timed in a fresh V8 (a Node process) since workerd gives a Worker no clock that moves.
 */
function evaluationMs(script: string): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(script)}); console.log(performance.now() - t);`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).trim(),
  );
}

async function fetchOnce(url: URL, host: string): Promise<void> {
  const { request } = await import('node:http');
  await new Promise<void>((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path: '/small', headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    })
      .on('error', reject)
      .end();
  });
}

type Results = {
  throughput: Record<string, Record<string, { rps: number; p50: number; p99: number; errors: number }>>;
  resolution: ReturnType<typeof measureResolution>[];
  bundle: Record<string, { bytes: number; gzipBytes: number }>;
  startup: Record<string, { evalMs: number; readyMs: number; firstRequestMs: number }>;
  buildMs10k: number;
  memoryBytes: Record<string, number>;
  settings: { seconds: number; rounds: number; streamMiB: number };
  machine: { cpus: number; node: string };
};

function renderMarkdown(r: Results): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const lines: string[] = [];
  lines.push(
    `Measured on ${r.machine.cpus} cores, Node ${r.machine.node}; ${r.settings.rounds} alternating rounds of ${r.settings.seconds} s per target, medians.`,
    '',
  );
  for (const [body, byTarget] of Object.entries(r.throughput)) {
    const seed = byTarget['seed Worker'];
    lines.push(`**GET ${body}** (${body === '/small' ? '1 KiB' : '1 MiB'} response)`, '');
    lines.push('| target | req/s | p50 ms | p99 ms | errors | req/s vs seed | p50 vs seed | p99 vs seed |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, m] of Object.entries(byTarget)) {
      const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : '');
      lines.push(
        `| ${name} | ${m.rps.toFixed(0)} | ${m.p50} | ${m.p99} | ${m.errors} | ${ratio(m.rps, seed?.rps)} | ${ratio(m.p50, seed?.p50)} | ${ratio(m.p99, seed?.p99)} |`,
      );
    }
    lines.push('');
  }
  lines.push('**Route resolution** (shared resolver, Node, ns per lookup)', '');
  lines.push('| routes | hosts | hit ns | miss ns |', '|---:|---:|---:|---:|');
  for (const x of r.resolution)
    lines.push(`| ${x.routes} | ${x.hosts} | ${x.hitNs.toFixed(0)} | ${x.missNs.toFixed(0)} |`);
  lines.push('', '**Bundle, startup, build, memory**', '', '| measure | value |', '|---|---:|');
  for (const [name, b] of Object.entries(r.bundle))
    lines.push(`| bundle ${name} (gzip / raw) | ${kb(b.gzipBytes)} / ${kb(b.bytes)} |`);
  for (const [name, s] of Object.entries(r.startup)) {
    lines.push(`| startup ${name}: script evaluation (V8) | ${s.evalMs.toFixed(1)} ms |`);
    lines.push(`| startup ${name}: workerd ready | ${s.readyMs.toFixed(0)} ms |`);
    lines.push(`| startup ${name}: first request | ${s.firstRequestMs.toFixed(1)} ms |`);
  }
  lines.push(`| check + build, 10,000 routes | ${r.buildMs10k.toFixed(0)} ms |`);
  for (const [name, bytes] of Object.entries(r.memoryBytes))
    lines.push(`| workerd peak RSS, ${name} | ${(bytes / 1024 / 1024).toFixed(0)} MiB |`);
  return `${lines.join('\n')}\n`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
