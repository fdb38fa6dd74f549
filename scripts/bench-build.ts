/**
 * `npm run bench:build`: generates a 10,000-route table (exact and wildcard hosts, several paths
 * per host, CORS and cache on some routes), then times `check` (YAML + schema + semantics) and
 * `build` (rendering the table module) on it. Exits 1 when the two take more than 3 s together.
 * Then times `check` on 5,000 tenants that share one backend, each on its own base path with its
 * own allow list: the table whose alias check once compared every route with every other (38 s).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyze } from './compiler/analyze.ts';
import { renderTableModule } from './compiler/emit.ts';

const ROUTES = 10_000;
const BUDGET_MS = 3_000;
const TENANTS = 5_000;
const TENANTS_BUDGET_MS = 3_000;

/** Writes one route in the style people write by hand: flow lists, nested blocks, comments. */
function route(i: number): string {
  const site = Math.floor(i / 4);
  const wildcard = site % 5 === 0;
  const host = wildcard ? `'*.tenants-${site}.example.com'` : `svc-${site}.example${site % 50}.com`;
  const path = ['/', '/api', '/api/v2/items', '/static/assets'][i % 4];
  const lines = [
    `  - id: route-${i}`,
    `    hosts: [${host}]`,
    `    path: ${path}`,
    i % 7 === 0
      ? `    origin: [https://primary-${i}.example.net/base, https://backup-${i}.example.net]`
      : `    origin: https://origin-${i % 300}.example.net`,
  ];
  if (i % 3 === 0) {
    lines.push(
      '    cors:',
      `      origins: [https://app-${i}.example.org, 'https://*.preview.example.org']`,
      '      methods: [GET, POST, OPTIONS]',
      '      headers: [Content-Type, Authorization]',
      '      max_age: 3600',
    );
  }
  if (i % 2 === 0) lines.push(`    cache: { ttl: ${60 + (i % 600)} }`);
  if (i % 11 === 0) lines.push('    methods: [GET, POST]', '    timeout: 2500ms');
  if (i % 13 === 0)
    lines.push('    headers:', '      request:', `        set: { X-Api-Key: '\${env.API_KEY}' }`);
  return lines.join('\n');
}

function generate(count: number): string {
  const routes = Array.from({ length: count }, (_, i) => route(i));
  return ['version: 1', 'secrets: [API_KEY]', 'defaults:', '  timeout: 30s', 'routes:', ...routes, ''].join(
    '\n',
  );
}

/** One route per tenant: its own host, base path on the shared backend, and allow list. */
function tenants(count: number): string {
  const routes = Array.from({ length: count }, (_, i) =>
    [
      `  - id: tenant-${i}`,
      `    hosts: [t${i}.example.com]`,
      `    origin: https://backend.example.net/tenants/${i}`,
      `    access: { allow: [10.${i >> 8}.${i & 255}.0/24] }`,
    ].join('\n'),
  );
  return ['version: 1', 'routes:', ...routes, ''].join('\n');
}

/** Times `check` on the tenants table; sets exit code 1 over its budget. */
function timeTenants(): void {
  const started = performance.now();
  const analysis = analyze(tenants(TENANTS));
  const took = performance.now() - started;
  if (!analysis.table) throw new Error('the generated tenants table did not compile');
  console.log(`check, ${TENANTS} tenants with their own allow lists: ${took.toFixed(0)} ms`);
  if (took > TENANTS_BUDGET_MS) {
    console.error(`over budget (${TENANTS_BUDGET_MS} ms) by ${(took - TENANTS_BUDGET_MS).toFixed(0)} ms`);
    process.exitCode = 1;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-build-'));
try {
  const file = join(dir, 'routes.yaml');
  writeFileSync(file, generate(ROUTES));

  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const text = readFileSync(file, 'utf8');
  const analysis = analyze(text);
  const checked = performance.now();
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !analysis.table) {
    for (const d of errors.slice(0, 5)) console.error(`${file}:${d.line}:${d.col}  ${d.message}`);
    throw new Error(`the generated table has ${errors.length} errors`);
  }
  const module = renderTableModule(analysis.table, 'routes.yaml');
  const built = performance.now();
  const cpu = process.cpuUsage(cpuStart);

  const check = checked - started;
  const build = built - checked;
  const total = check + build;
  const kb = (n: number) => `${Math.round(n / 1024)} KiB`;
  console.log(
    `routes: ${analysis.table.routes.length} (${kb(text.length)} of YAML, ${kb(module.length)} module)`,
  );
  console.log(`check: ${check.toFixed(0)} ms`);
  console.log(`build: ${build.toFixed(0)} ms`);
  console.log(`total: ${total.toFixed(0)} ms (budget ${BUDGET_MS} ms)`);
  // CPU time shows whether a slow run was this process or a busy machine (2 cores, shared).
  console.log(
    `cpu:   ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (user + system, all threads incl. GC)`,
  );
  if (total > BUDGET_MS) {
    console.error(`over budget by ${(total - BUDGET_MS).toFixed(0)} ms`);
    process.exitCode = 1;
  }
  timeTenants();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
