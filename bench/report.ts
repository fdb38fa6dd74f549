/**
 * The benchmark's results and their Markdown report (bench/results/latest.md, docs/benchmarks.md).
 */
import type { IsolateProfile } from './profile.ts';
import type { measureResolution } from './resolve.ts';
import type { Startup } from './startup.ts';

export interface TargetResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU milliseconds of the target's workerd process per request (absent for the origin). */
  cpuMsPerRequest?: number;
  /** The median of each round's req/s over the pass-through Worker's in the same round. */
  rpsVsPassThrough?: number;
  /** The lowest and highest of those rounds' ratios: how far the machine moved between runs. */
  rpsVsPassThroughRange?: [number, number];
}

/** Partial when `npm run bench -- --only ...` ran some parts. */
export interface Results {
  machine: { cpus: number; node: string };
  settings: { seconds: number; rounds: number; streamMiB: number; pinned?: boolean };
  throughput?: Record<string, Record<string, TargetResult>>;
  /** Body -> target -> user-space instructions per request (callgrind). */
  instructions?: Record<string, Record<string, number>>;
  resolution?: ReturnType<typeof measureResolution>[];
  bundle?: Record<string, { bytes: number; gzipBytes: number }>;
  startup?: Record<string, Startup>;
  buildMs10k?: number;
  memoryBytes?: Record<string, number>;
  /** Microseconds of workerd CPU per runtime call (bench/calls.ts). */
  callsUs?: Record<string, number>;
  profile?: Record<string, IsolateProfile>;
}

export const PASS_THROUGH = 'pass-through Worker';
export const SEED = 'seed Worker';
/**
 * The same pass-through bundle in a second workerd process: the control. Its distance from 1.00x
 * is how far two identical Workers measured in one run can be apart, the resolution of the
 * ratios beside it.
 */
export const PASS_THROUGH_COPY = 'pass-through Worker, second process';

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b ? `${(a / b).toFixed(2)}x` : '';

/** Renders every part that ran, as Markdown tables. */
export function renderMarkdown(r: Results): string {
  const lines = [
    `Measured on ${r.machine.cpus} cores, Node ${r.machine.node}; ${r.settings.rounds} alternating rounds of ${r.settings.seconds} s per target, medians` +
      (r.settings.pinned ? '; workerd on one core, the load and the origin on the other.' : '.'),
    '',
  ];
  for (const [body, byTarget] of Object.entries(r.throughput ?? {}))
    lines.push(...throughputTable(body, byTarget));
  if (r.instructions) lines.push(...instructionsTable(r.instructions));
  if (r.resolution) lines.push(...resolutionTable(r.resolution));
  lines.push(...measuresTable(r));
  if (r.callsUs) lines.push(...callsTable(r.callsUs));
  for (const [name, p] of Object.entries(r.profile ?? {})) lines.push(...profileTable(name, p));
  return `${lines.join('\n')}\n`;
}

function throughputTable(body: string, byTarget: Record<string, TargetResult>): string[] {
  const limit = byTarget[PASS_THROUGH];
  const seed = byTarget[SEED];
  const lines = [
    `**GET ${body}** (${body === '/small' ? '1 KiB' : '1 MiB'} response)`,
    '',
    '| target | req/s | p50 ms | p99 ms | errors | CPU ms/req | req/s vs pass-through | rounds, lowest-highest | CPU/req vs pass-through | req/s vs seed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, m] of Object.entries(byTarget)) {
    const cpu = m.cpuMsPerRequest === undefined ? '' : m.cpuMsPerRequest.toFixed(3);
    const vsLimit =
      m.rpsVsPassThrough === undefined ? ratio(m.rps, limit?.rps) : `${m.rpsVsPassThrough.toFixed(2)}x`;
    const range = m.rpsVsPassThroughRange?.map((n) => `${n.toFixed(2)}x`).join('-') ?? '';
    lines.push(
      `| ${name} | ${m.rps.toFixed(0)} | ${m.p50} | ${m.p99} | ${m.errors} | ${cpu} | ${vsLimit} | ${range} | ${ratio(m.cpuMsPerRequest, limit?.cpuMsPerRequest)} | ${ratio(m.rps, seed?.rps)} |`,
    );
  }
  return [...lines, ''];
}

function instructionsTable(counts: NonNullable<Results['instructions']>): string[] {
  const bodies = Object.keys(counts);
  const lines = [
    '**Instructions per request** (workerd under callgrind, user space, millions)',
    '',
    `| target | ${bodies.map((b) => `${b} | vs pass-through`).join(' | ')} |`,
    `|---|${bodies.map(() => '---:|---:').join('|')}|`,
  ];
  for (const name of Object.keys(counts[bodies[0] ?? ''] ?? {})) {
    const cells = bodies.map((b) => {
      const n = counts[b]?.[name];
      return `${n === undefined ? '' : (n / 1e6).toFixed(3)} | ${ratio(n, counts[b]?.[PASS_THROUGH])}`;
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return [...lines, ''];
}

function resolutionTable(resolution: NonNullable<Results['resolution']>): string[] {
  const lines = ['**Route resolution** (shared resolver, Node, ns per lookup)', ''];
  lines.push('| routes | hosts | hit ns | miss ns |', '|---:|---:|---:|---:|');
  for (const x of resolution)
    lines.push(`| ${x.routes} | ${x.hosts} | ${x.hitNs.toFixed(0)} | ${x.missNs.toFixed(0)} |`);
  return [...lines, ''];
}

function measuresTable(r: Results): string[] {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rows: string[] = [];
  for (const [name, b] of Object.entries(r.bundle ?? {}))
    rows.push(`| bundle ${name} (gzip / raw) | ${kb(b.gzipBytes)} / ${kb(b.bytes)} |`);
  for (const [name, s] of Object.entries(r.startup ?? {})) {
    rows.push(`| startup ${name}: script evaluation (V8) | ${s.evalMs.toFixed(1)} ms |`);
    rows.push(`| startup ${name}: workerd ready | ${s.readyMs.toFixed(0)} ms |`);
    rows.push(`| startup ${name}: first request | ${s.firstRequestMs.toFixed(1)} ms |`);
  }
  if (r.buildMs10k !== undefined)
    rows.push(`| check + build, 10,000 routes | ${r.buildMs10k.toFixed(0)} ms |`);
  for (const [name, bytes] of Object.entries(r.memoryBytes ?? {}))
    rows.push(`| workerd peak RSS, ${name} | ${(bytes / 1024 / 1024).toFixed(0)} MiB |`);
  if (rows.length === 0) return [];
  return ['**Bundle, startup, build, memory**', '', '| measure | value |', '|---|---:|', ...rows];
}

function callsTable(calls: Record<string, number>): string[] {
  const lines = ['', '**Runtime calls** (workerd CPU per call, µs)', '', '| call | µs |', '|---|---:|'];
  for (const [name, us] of Object.entries(calls)) lines.push(`| ${name} | ${us.toFixed(2)} |`);
  return [...lines, ''];
}

function profileTable(name: string, p: IsolateProfile): string[] {
  const lines = [
    '',
    `**Isolate profile: ${name}** (${p.busyMsPerRequest.toFixed(3)} ms busy per request; self time)`,
    '',
    '| function | share |',
    '|---|---:|',
  ];
  for (const spot of p.spots.slice(0, 15))
    lines.push(`| ${spot.name.replaceAll('|', '\\|')} | ${(spot.share * 100).toFixed(1)} % |`);
  return lines;
}
