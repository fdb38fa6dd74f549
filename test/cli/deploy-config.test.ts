/**
 * The generated deploy config (wrangler.json): wrangler.toml merged with the table's custom
 * domains (exact hosts), zone routes (wildcard hosts, zone by the Public Suffix List), vars and
 * rate-limit bindings; valid by wrangler's own config schema, deterministic, and deployable:
 * `wrangler deploy --dry-run` passes on it without credentials.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { deployConfig, namespaceId, readWranglerToml } from '../../scripts/cli/deploy-config.ts';
import { analyze } from '../../scripts/compiler/analyze.ts';
import { metricsDataset } from '../../scripts/compiler/environments.ts';
import { zoneOf } from '../../scripts/compiler/zone.ts';
import { wranglerArgs } from '../../scripts/serve/local-router.ts';
import type { CompiledTable } from '../../src/table/types.ts';
import { fixture, root, run } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'deploy-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tableOf(text: string): CompiledTable {
  const analysis = analyze(text);
  if (!analysis.table) throw new Error(JSON.stringify(analysis.diagnostics));
  return analysis.table;
}

const fixtureTable = () => tableOf(readFileSync(fixture('routes.yaml'), 'utf8'));
const handKept = () => readWranglerToml(join(root, 'wrangler.toml'));

/** wrangler's own JSON Schema for its config file. */
const validateWrangler = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(
  JSON.parse(readFileSync(join(root, 'node_modules', 'wrangler', 'config-schema.json'), 'utf8')),
);

/**
 * A wrangler dry run with no Cloudflare credentials at all: `deploy` for a build folder of its
 * own, `versions upload` (what the deploy sends, and what CI dry-runs) for src/generated, whose
 * guard refuses `wrangler deploy`.
 */
function dryRun(config: string, outdir: string, command: string[] = ['deploy']) {
  const { CLOUDFLARE_API_TOKEN: _t, CLOUDFLARE_ACCOUNT_ID: _a, ...env } = process.env;
  return spawnSync(
    process.execPath,
    [...wranglerArgs(), ...command, '--dry-run', '--outdir', outdir, '--config', config],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    },
  );
}

describe('deploy config', () => {
  it('makes every exact host a custom domain and every wildcard host a zone route in its zone', async () => {
    const { config, warnings } = deployConfig(handKept(), fixtureTable(), { main: '../index.ts' });
    expect(warnings).toEqual([]);
    expect(config.routes).toEqual([
      { pattern: 'api.example.com', custom_domain: true },
      { pattern: 'docs.example.com', custom_domain: true },
      { pattern: 'www.example.com', custom_domain: true },
      { pattern: '*.shop.example.co.uk/*', zone_name: 'example.co.uk' },
    ]);
  });

  it('finds zones with the Public Suffix List', async () => {
    expect(zoneOf('shop.example.co.uk')).toEqual({ kind: 'zone', zone: 'example.co.uk' });
    expect(zoneOf('example.co.uk')).toEqual({ kind: 'zone', zone: 'example.co.uk' });
    expect(zoneOf('a.b.example.com')).toEqual({ kind: 'zone', zone: 'example.com' });
    expect(zoneOf('tenants.example.com.au')).toEqual({ kind: 'zone', zone: 'example.com.au' });
    expect(zoneOf('co.uk').kind).toBe('public-suffix');
    expect(zoneOf('localhost').kind).toBe('local');
    expect(zoneOf('app.test').kind).toBe('local');
  });

  it('keeps the hand-kept settings, adds vars and one rate-limit binding per limited route', async () => {
    const { config } = deployConfig(handKept(), fixtureTable(), {
      main: '../index.ts',
      schema: 'schema.json',
    });
    expect(Object.keys(config).slice(0, 4)).toEqual(['$schema', 'name', 'main', 'compatibility_date']);
    expect(config).toMatchObject({
      name: 'edge-router',
      main: '../index.ts',
      compatibility_date: handKept().compatibility_date,
      observability: { enabled: true },
      vars: { API_REGION: 'eu' },
      ratelimits: [
        {
          name: 'RL_API_V2',
          namespace_id: namespaceId('edge-router', 'api-v2'),
          simple: { limit: 100, period: 60 },
        },
      ],
    });
    expect(validateWrangler(config), JSON.stringify(validateWrangler.errors)).toBe(true);
  });

  it('derives stable namespace ids from the Worker name and route id, and moves off a taken one', async () => {
    expect(namespaceId('edge-router', 'api-v2')).toBe(namespaceId('edge-router', 'api-v2'));
    expect(namespaceId('edge-router', 'api-v2')).not.toBe(namespaceId('edge-router', 'api-v3'));
    expect(Number(namespaceId('edge-router', 'x'))).toBeGreaterThan(0);
    expect(namespaceId('edge-router', 'api-v2')).not.toBe(namespaceId('edge-router-staging', 'api-v2'));
    // Two Workers of one account (staging, production) never share a counter namespace.
    const staging = deployConfig({ ...handKept(), name: 'edge-router-staging' }, fixtureTable(), {
      main: 'index.ts',
    }).config.ratelimits as Array<{ namespace_id: string }>;
    const production = deployConfig(handKept(), fixtureTable(), { main: 'index.ts' }).config
      .ratelimits as Array<{ namespace_id: string }>;
    expect(staging[0]?.namespace_id).toBe(namespaceId('edge-router-staging', 'api-v2'));
    expect(staging[0]?.namespace_id).not.toBe(production[0]?.namespace_id);
    const hand = {
      ...handKept(),
      vars: { API_REGION: 'us', KEPT: 'yes' },
      ratelimits: [
        {
          name: 'RL_HAND',
          namespace_id: namespaceId('edge-router', 'api-v2'),
          simple: { limit: 1, period: 10 },
        },
      ],
    };
    const { config, warnings } = deployConfig(hand, fixtureTable(), { main: 'index.ts' });
    const limits = config.ratelimits as Array<{ name: string; namespace_id: string }>;
    expect(limits.map((l) => l.name)).toEqual(['RL_HAND', 'RL_API_V2']);
    expect(limits[1]?.namespace_id).toBe(String(Number(namespaceId('edge-router', 'api-v2')) + 1));
    expect(config.vars).toEqual({ API_REGION: 'eu', KEPT: 'yes' });
    expect(warnings).toEqual([
      "var API_REGION is set in both wrangler.toml and routes.yaml; routes.yaml's value is used",
    ]);
  });

  it('binds the metrics dataset named after the Worker and the version metadata', () => {
    expect(metricsDataset('edge-router')).toBe('edge_router');
    expect(metricsDataset('edge-router-staging')).toBe('edge_router_staging');
    expect(metricsDataset('9lives')).toBe('_9lives');
    const plain = deployConfig(handKept(), fixtureTable(), { main: 'index.ts' });
    expect(plain.config.analytics_engine_datasets).toEqual([{ binding: 'METRICS', dataset: 'edge_router' }]);
    expect(plain.config.version_metadata).toEqual({ binding: 'CF_VERSION_METADATA' });

    const hand = {
      ...handKept(),
      name: 'shop-edge',
      analytics_engine_datasets: [
        { binding: 'EVENTS', dataset: 'events' },
        { binding: 'METRICS', dataset: 'old_metrics' },
      ],
      version_metadata: { binding: 'VERSION' },
    };
    const { config, warnings } = deployConfig(hand, fixtureTable(), { main: 'index.ts' });
    expect(config.analytics_engine_datasets).toEqual([
      { binding: 'EVENTS', dataset: 'events' },
      { binding: 'METRICS', dataset: 'shop_edge' },
    ]);
    expect(config.version_metadata).toEqual({ binding: 'CF_VERSION_METADATA' });
    expect(warnings).toEqual([
      "wrangler.toml's METRICS binding is replaced by the metrics dataset shop_edge",
      "wrangler.toml's version_metadata binding is renamed CF_VERSION_METADATA",
    ]);
  });

  it('leaves local names out with a warning, and refuses a wildcard on a public suffix', async () => {
    const local = deployConfig(
      handKept(),
      tableOf(`version: 1
routes:
  - { id: local, hosts: [api.localhost, "*.dev.localhost", api.example.com], origin: http://127.0.0.1:9000 }
`),
      { main: 'index.ts' },
    );
    expect(local.config.routes).toEqual([{ pattern: 'api.example.com', custom_domain: true }]);
    expect(local.warnings).toHaveLength(2);
    expect(local.warnings[0]).toContain('api.localhost is left out of the deploy config');

    const file = join(tmp, 'suffix.yaml');
    writeFileSync(
      file,
      'version: 1\nroutes:\n  - { id: all, hosts: ["*.co.uk"], origin: https://o.example.net }\n',
    );
    const out = join(tmp, 'suffix-out');
    const result = await run('build.ts', [file, '--out', out]);
    expect(result.status).toBe(1);
    // Refused by check, at the host's position, before anything is written.
    expect(result.stderr).toContain(
      'suffix.yaml:3:24  error  host "*.co.uk" cannot be deployed: co.uk is a public suffix',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('is written by build beside the table, byte for byte the same on every build', async () => {
    const outputs: Array<Record<string, string>> = [];
    for (const name of ['first', 'second']) {
      const out = join(tmp, 'same', name);
      const result = await run('build.ts', [fixture('routes.yaml'), '--out', out]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toContain(`wrote ${join(out, 'wrangler.json')}`);
      outputs.push(Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')])));
    }
    expect(Object.keys(outputs[0] ?? {}).sort()).toEqual(['index.ts', 'table.ts', 'wrangler.json']);
    expect(outputs[1]).toEqual(outputs[0]);
    const written = JSON.parse(outputs[0]?.['wrangler.json'] ?? '{}');
    expect(written.main).toBe('index.ts');
    expect(outputs[0]?.['index.ts']).toContain("import { table } from './table.ts';");
  });

  it('passes wrangler deploy --dry-run without credentials: a fixture table with every kind of route', async () => {
    const out = join(tmp, 'dry');
    expect((await run('build.ts', [fixture('routes.yaml'), '--out', out])).status).toBe(0);
    const result = dryRun(join(out, 'wrangler.json'), join(tmp, 'dry-bundle'));
    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('--dry-run: exiting now');
    expect(result.stdout).toMatch(/env\.RL_API_V2 \(100 requests\/60s\) +Rate Limit/);
    expect(result.stdout).toMatch(/env\.API_REGION \("eu"\) +Environment Variable/);
    expect(result.stdout).toMatch(/env\.METRICS \(edge_router\) +Analytics Engine Dataset/);
    expect(result.stdout).toMatch(/env\.CF_VERSION_METADATA +Worker Version Metadata/);
    expect(existsSync(join(tmp, 'dry-bundle', 'index.js'))).toBe(true);
  });

  it('passes wrangler versions upload --dry-run without credentials: what the deploy uploads', async () => {
    const out = join(tmp, 'dry-versions');
    expect((await run('build.ts', [fixture('routes.yaml'), '--out', out])).status).toBe(0);
    const result = dryRun(join(out, 'wrangler.json'), join(tmp, 'dry-versions-bundle'), [
      'versions',
      'upload',
    ]);
    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('--dry-run: exiting now');
    expect(result.stdout).toMatch(/env\.RL_API_V2 \(100 requests\/60s\) +Rate Limit/);
    expect(existsSync(join(tmp, 'dry-versions-bundle', 'index.js'))).toBe(true);
  });
});
