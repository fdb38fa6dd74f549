/**
 * `npm run bench`: the router against two baselines, side by side in one run on this machine: the
 * hand-written seed Worker it replaces, and a Worker that only forwards (the limit of any proxy
 * Worker). Prints Markdown tables and writes bench/results/latest.{json,md}.
 *
 * `npm run bench -- --only throughput,startup` runs some parts (throughput, instructions, startup,
 * memory, resolution, build, calls; profile only when named). Environment: BENCH_SECONDS (per load run, default 3), BENCH_ROUNDS
 * (alternating rounds, default 5), BENCH_STREAM_MB (largest streamed body, default 1024).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { stringify } from 'yaml';
import { type Bundle, bundleEntry, bundleRouter } from '../bench/bundle.ts';
import { measureCalls } from '../bench/calls.ts';
import { pinCores } from '../bench/cores.ts';
import { hasCallgrind, instructionsPerRequest } from '../bench/instructions.ts';
import { download, peakRss, upload } from '../bench/memory.ts';
import { startBenchOrigin } from '../bench/origin.ts';
import { profileWorker } from '../bench/profile.ts';
import {
  PASS_THROUGH,
  PASS_THROUGH_COPY,
  type Results,
  renderMarkdown,
  SEED,
  type TargetResult,
} from '../bench/report.ts';
import { measureResolution } from '../bench/resolve.ts';
import { measureStartup, median } from '../bench/startup.ts';
import { type BenchTable, benchTable } from '../bench/tables.ts';
import { type LoadResult, runLoad } from '../bench/throughput.ts';
import { type RunningWorker, startWorker } from '../bench/workers.ts';
import { analyze } from './compiler/analyze.ts';
import { compileConfig } from './compiler/compile.ts';
import { renderTableModule } from './compiler/emit.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STREAM_MB = Number(process.env.BENCH_STREAM_MB ?? 1024);
const PARTS = [
  'throughput',
  'instructions',
  'startup',
  'memory',
  'resolution',
  'build',
  'calls',
  'profile',
] as const;
/** Run unless --only names others; the profile is asked for by name. */
const DEFAULT_PARTS = PARTS.filter((p) => p !== 'profile' && (p !== 'instructions' || hasCallgrind()));
const MiB = 1024 * 1024;

const log = (line: string) => console.error(`[bench] ${line}`);

interface Setup {
  originUrl: string;
  originBindings: Record<string, string>;
  tables: { small: BenchTable; large: BenchTable; cached: BenchTable; limited: BenchTable };
  bundles: Record<'seed' | 'passThrough' | 'r10' | 'r10k' | 'r10cache' | 'r10limited', Bundle>;
}

async function main(argv: string[]) {
  const parts = selectedParts(argv);
  const origin = await startBenchOrigin();
  const setup = prepare(origin.port);
  const results: Results = {
    machine: { cpus: cpus().length, node: process.version },
    settings: { seconds: SECONDS, rounds: ROUNDS, streamMiB: STREAM_MB },
  };
  results.bundle = {
    'router-10': setup.bundles.r10,
    'router-10k': setup.bundles.r10k,
    seed: setup.bundles.seed,
  };
  if (parts.has('startup')) results.startup = await startupPart(setup);
  if (parts.has('throughput')) {
    const { pinned, byBody } = await throughputPart(setup);
    results.throughput = byBody;
    results.settings.pinned = pinned;
  }
  if (parts.has('instructions')) results.instructions = await instructionsPart(setup);
  if (parts.has('memory')) results.memoryBytes = await memoryPart(setup);
  if (parts.has('calls')) {
    log('calls: the CPU cost of each runtime call the hot path makes, in workerd');
    results.callsUs = await measureCalls();
  }
  if (parts.has('profile')) results.profile = await profilePart(setup);
  await origin.close();
  if (parts.has('resolution')) results.resolution = resolutionPart();
  if (parts.has('build')) results.buildMs10k = buildPart(setup.tables.large);
  const markdown = renderMarkdown(results);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync('bench/results/latest.md', markdown);
  console.log(markdown);
}

function selectedParts(argv: string[]): Set<string> {
  const at = argv.indexOf('--only');
  if (at === -1) return new Set(DEFAULT_PARTS);
  const chosen = (argv[at + 1] ?? '').split(',').filter(Boolean);
  const unknown = chosen.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (chosen.length === 0 || unknown.length > 0)
    throw new Error(`--only takes a comma-separated list of: ${PARTS.join(', ')}`);
  return new Set(chosen);
}

/** Generates the tables and bundles every Worker the way a deploy would. */
function prepare(originPort: number): Setup {
  const originUrl = `http://127.0.0.1:${originPort}`;
  const tables = {
    small: benchTable(10, originUrl),
    large: benchTable(10_000, originUrl),
    // The seed looks every GET up in the Cache API (and tries to store it); this variant does the
    // same work: cache on, so each request is looked up (a MISS: the origin says no-store).
    cached: benchTable(10, originUrl, 10, { cache: { ttl: 60 } }),
    // max_body: every upload is counted in JavaScript on its way through (memory part).
    limited: benchTable(10, originUrl, 10, { max_body: '4gb' }),
  };
  log('bundling the baselines and the router at 10 and 10,000 routes (wrangler deploy --dry-run)');
  const bundles = {
    seed: bundleEntry('seed', 'bench/seed-worker.js'),
    passThrough: bundleEntry('pass-through', 'bench/pass-through-worker.js'),
    r10: bundleRouter('router-10', compileConfig(tables.small.config)),
    r10k: bundleRouter('router-10k', compileConfig(tables.large.config)),
    r10cache: bundleRouter('router-10-cache', compileConfig(tables.cached.config)),
    r10limited: bundleRouter('router-10-max-body', compileConfig(tables.limited.config)),
  };
  const originBindings = { TARGET_DOMAIN: `127.0.0.1:${originPort}`, TARGET_SCHEME: 'http' };
  return { originUrl, originBindings, tables, bundles };
}

async function startupPart({ bundles, tables, originBindings }: Setup) {
  log('startup: script evaluation in V8, new Miniflare -> ready, first request (3 tries each, median)');
  return {
    'pass-through': await measureStartup(bundles.passThrough.scriptPath, 'any.host', originBindings),
    seed: await measureStartup(bundles.seed.scriptPath, 'api.fluxkontext.space', originBindings),
    'router-10': await measureStartup(bundles.r10.scriptPath, tables.small.host, {}),
    'router-10k': await measureStartup(bundles.r10k.scriptPath, tables.large.host, {}),
  };
}

interface Target {
  name: string;
  url: URL;
  host: string;
  pid?: number;
}

async function throughputPart(setup: Setup) {
  const pinning = pinCores();
  log(
    `throughput: ${ROUNDS} alternating rounds of ${SECONDS} s per target and body size` +
      (pinning ? '; workerd on core 0, the load and the origin on core 1' : ''),
  );
  try {
    return { pinned: pinning !== null, byBody: await loadEveryTarget(setup, pinning?.launcher ?? '') };
  } finally {
    pinning?.release();
  }
}

async function loadEveryTarget({ bundles, tables, originUrl, originBindings }: Setup, launcher: string) {
  const workers: RunningWorker[] = [];
  const start = async (name: string, bundle: Bundle, host: string, bindings = {}): Promise<Target> => {
    const worker = await startWorker(bundle.scriptPath, bindings, { launcher });
    workers.push(worker);
    return { name, url: worker.url, host, pid: worker.pid };
  };
  const targets: Target[] = [
    { name: 'origin direct', url: new URL(originUrl), host: '127.0.0.1' },
    await start(PASS_THROUGH, bundles.passThrough, 'any.host', originBindings),
    await start(PASS_THROUGH_COPY, bundles.passThrough, 'any.host', originBindings),
    await start(SEED, bundles.seed, 'api.fluxkontext.space', originBindings),
    await start('router, 10 routes', bundles.r10, tables.small.host),
    await start('router, 10,000 routes', bundles.r10k, tables.large.host),
    await start('router, 10 routes, cache on', bundles.r10cache, tables.cached.host),
  ];
  const result: Record<string, Record<string, TargetResult>> = {};
  for (const [body, connections] of [
    ['/small', 32],
    ['/large', 8],
  ] as const)
    result[body] = await loadRounds(targets, body, connections);
  await Promise.all(workers.map((w) => w.dispose()));
  return result;
}

/** Warms every target up, then runs alternating rounds (forward, then reversed) and takes medians. */
async function loadRounds(targets: Target[], body: string, connections: number) {
  const runs: Record<string, LoadResult[]> = {};
  for (const t of targets) await runLoad(new URL(body, t.url).href, t.host, 1, connections);
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      const r = await runLoad(new URL(body, t.url).href, t.host, SECONDS, connections, t.pid);
      runs[t.name] = [...(runs[t.name] ?? []), r];
      const cpu = r.cpuMsPerRequest === undefined ? '' : `, ${r.cpuMsPerRequest.toFixed(3)} ms CPU/req`;
      log(`${body} ${t.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${cpu}`);
    }
  }
  const limit = runs[PASS_THROUGH] ?? [];
  const byTarget: Record<string, TargetResult> = {};
  for (const t of targets) {
    const list = runs[t.name] ?? [];
    // Each round's ratio pairs runs a few seconds apart, so a machine that slows down for a
    // while slows both sides of it.
    const ratios = list.flatMap((r, i) => (limit[i] ? [r.rps / (limit[i] as LoadResult).rps] : []));
    const cpu = list.flatMap((r) => (r.cpuMsPerRequest === undefined ? [] : [r.cpuMsPerRequest]));
    byTarget[t.name] = {
      rps: median(list.map((r) => r.rps)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      errors: list.reduce((n, r) => n + r.errors + r.non2xx, 0),
      ...(ratios.length > 0
        ? {
            rpsVsPassThrough: median(ratios),
            rpsVsPassThroughRange: [Math.min(...ratios), Math.max(...ratios)] as [number, number],
          }
        : {}),
      ...(cpu.length > 0 ? { cpuMsPerRequest: median(cpu) } : {}),
    };
  }
  return byTarget;
}

async function instructionsPart({ bundles, tables, originBindings }: Setup) {
  log('instructions per request under callgrind (about 40 s per target and body)');
  const targets = [
    [PASS_THROUGH, bundles.passThrough, 'any.host', originBindings],
    ['router, 10 routes', bundles.r10, tables.small.host, {}],
    ['router, 10,000 routes', bundles.r10k, tables.large.host, {}],
  ] as const;
  const counts: NonNullable<Results['instructions']> = {};
  for (const body of ['/small', '/large']) {
    counts[body] = {};
    for (const [name, bundle, host, bindings] of targets) {
      counts[body][name] = await instructionsPerRequest(bundle.scriptPath, host, body, bindings);
      log(`${body} ${name}: ${(counts[body][name] / 1e6).toFixed(3)} M instructions per request`);
    }
  }
  return counts;
}

async function memoryPart({ bundles, tables }: Setup) {
  log(`memory: streaming up to ${STREAM_MB} MiB through the router each way`);
  const worker = await startWorker(bundles.r10k.scriptPath);
  const { host } = tables.large;
  const memory: Record<string, number> = { idle: await peakRss(worker.pid, async () => undefined) };
  for (const mb of [64, STREAM_MB]) {
    memory[`download ${mb} MiB`] = await peakRss(worker.pid, () => download(worker.url, host, mb * MiB));
    memory[`upload ${mb} MiB, Content-Length`] = await peakRss(worker.pid, () =>
      upload(worker.url, host, mb * MiB),
    );
  }
  memory[`upload ${STREAM_MB} MiB, chunked`] = await peakRss(worker.pid, () =>
    upload(worker.url, host, STREAM_MB * MiB, true),
  );
  await worker.dispose();
  return { ...memory, ...(await countedUploads(bundles.r10limited, tables.limited.host)) };
}

/**
 * On a route with max_body every upload is counted in JavaScript, which leaves garbage for V8 to
 * collect: the peak it reaches stays. Each kind in a Worker of its own, so neither inherits the
 * other's peak.
 */
async function countedUploads(bundle: Bundle, host: string): Promise<Record<string, number>> {
  const memory: Record<string, number> = {};
  for (const chunked of [false, true]) {
    const worker = await startWorker(bundle.scriptPath);
    const name = `upload ${STREAM_MB} MiB, ${chunked ? 'chunked' : 'Content-Length'}, max_body (counted)`;
    memory[name] = await peakRss(worker.pid, () => upload(worker.url, host, STREAM_MB * MiB, chunked));
    await worker.dispose();
  }
  return memory;
}

async function profilePart({ bundles, tables, originBindings }: Setup) {
  log(`profile: the isolate's CPU profile under load, ${SECONDS} s per target and body`);
  const targets = [
    [PASS_THROUGH, bundles.passThrough, 'any.host', originBindings],
    ['router, 10 routes', bundles.r10, tables.small.host, {}],
  ] as const;
  const profiles: NonNullable<Results['profile']> = {};
  for (const body of ['/small', '/large'])
    for (const [name, bundle, host, bindings] of targets)
      profiles[`${name} ${body}`] = await profileWorker(bundle.scriptPath, host, body, SECONDS, bindings);
  return profiles;
}

function resolutionPart() {
  log('route resolution in Node (the shared resolver)');
  return [
    measureResolution(10, 10),
    measureResolution(1_000, 1_000),
    measureResolution(10_000, 10_000),
    measureResolution(10_000, 100),
  ];
}

function buildPart(large: BenchTable): number {
  log('check + build of 10,000 routes');
  const started = performance.now();
  const analysis = analyze(stringify(large.config));
  if (!analysis.table) throw new Error('the generated 10,000-route table did not compile');
  renderTableModule(analysis.table, 'bench.yaml');
  return performance.now() - started;
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(1);
});
