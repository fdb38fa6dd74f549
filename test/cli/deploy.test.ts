/**
 * `npm run deploy` end to end without Cloudflare: the real deploy script and the real wrangler
 * 4.86 against a local stand-in of the Cloudflare API (test/stand-ins/cloudflare-api.ts, which
 * records every call) and of the edge (cloudflare-edge.ts, which runs each uploaded version in
 * workerd, so the smoke tests exercise the code wrangler uploaded). One stand-in serves the whole
 * file; each scenario asserts the sequence of calls that change something:
 *
 * - a first deploy creates the Worker with its domain (no older version a host could reach);
 * - a new version is staged at 0 %, smoke-tested pinned to it, rolled out, then the new host attached;
 * - a failed smoke test leaves production on the previous version, no domain touched;
 * - a missing secret stops the deploy before anything is uploaded;
 * - removing the last custom domain really detaches it (wrangler alone would not);
 * - a new host failing its smoke test is detached before the previous version is restored.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/serve/local-router.ts';
import { type Origin, startOrigin } from '../origin/server.ts';
import { type ApiStandIn, startApiStandIn } from '../stand-ins/cloudflare-api.ts';
import { type EdgeStandIn, startEdgeStandIn } from '../stand-ins/cloudflare-edge.ts';
import type { ApiCall } from '../stand-ins/cloudflare-state.ts';
import { run } from './run-cli.ts';

const ACCOUNT = 'acc-stand-in';
const WORKER = 'router-under-test';
const TOKEN = 'deploy-debug-token-31f9';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const project = mkdtempSync(join(tmpdir(), 'deploy-test-'));
let api: ApiStandIn;
let edge: EdgeStandIn;
let origin: Origin;
let deadPort: number;

beforeAll(async () => {
  origin = await startOrigin(0, 'deploy-origin');
  deadPort = await freePort();
  api = await startApiStandIn();
  api.state.addZone('example.com');
  edge = await startEdgeStandIn(api.state);
  writeFileSync(
    join(project, 'wrangler.toml'),
    `name = "${WORKER}"\nmain = "src/index.ts"\ncompatibility_date = "2026-05-01"\nworkers_dev = false\n\n[version_metadata]\nbinding = "CF_VERSION_METADATA"\n`,
  );
});

afterAll(async () => {
  await edge?.close();
  await api?.close();
  await origin?.close();
  rmSync(project, { recursive: true, force: true });
});

/**
 * A route table: `api` on the given hosts, proxied to the local origin (or to a dead port), and
 * the `downHost` on a route of its own whose origin is down.
 */
function table(hosts: string[], options: Scenario = {}): string {
  const target = options.dead ? `http://127.0.0.1:${deadPort}` : `http://127.0.0.1:${origin.port}/echo/api`;
  const apiHosts = hosts.filter((h) => h !== options.downHost);
  return [
    'version: 1',
    ...(options.secret ? ['secrets: [ORIGIN_KEY]'] : []),
    'routes:',
    '  - id: api',
    `    hosts: [${apiHosts.map((h) => JSON.stringify(h)).join(', ')}]`,
    `    origin: ${target}`,
    ...(options.secret ? [`    headers: { request: { set: { X-Key: "\${env.ORIGIN_KEY}" } } }`] : []),
    ...(options.downHost
      ? ['  - id: down', `    hosts: [${options.downHost}]`, `    origin: http://127.0.0.1:${deadPort}`]
      : []),
    '',
  ].join('\n');
}

/**
 * One smoke case per host: proxied, with the upstream its route maps it to. `check` accepts them
 * all (it does not reach origins); over HTTP, a dead origin answers 502.
 */
function cases(hosts: string[], options: Scenario = {}): string {
  const lines = ['version: 1', 'cases:'];
  for (const host of hosts) {
    const concrete = host.replace('*', 'tenant');
    const down = options.dead || host === options.downHost;
    const upstream = down
      ? `http://127.0.0.1:${deadPort}/ping`
      : `http://127.0.0.1:${origin.port}/echo/api/ping`;
    lines.push(
      `  - name: ${concrete} is proxied`,
      `    request: { url: "https://${concrete}/ping" }`,
      `    expect: { route: ${host === options.downHost ? 'down' : 'api'}, status: proxied, upstream: "${upstream}" }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The environment CI gives the deploy, pointed at the stand-in. */
const ciEnv = (token = TOKEN) => ({
  CLOUDFLARE_API_BASE_URL: api.url,
  CLOUDFLARE_API_TOKEN: 'stand-in-token',
  CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
  GITHUB_SHA: SHA,
  ROUTER_DEBUG_TOKEN: token,
  WRANGLER_LOG_PATH: join(project, 'wrangler-logs'),
});

interface Scenario {
  dead?: boolean;
  secret?: boolean;
  token?: boolean;
  /** A host on a route of its own whose origin is down: its smoke case fails. */
  downHost?: string;
  steps?: string;
}

async function deploy(hosts: string[], options: Scenario = {}) {
  writeFileSync(join(project, 'routes.yaml'), table(hosts, options));
  writeFileSync(join(project, 'routes.test.yaml'), cases(hosts, options));
  api.state.calls = [];
  const args = [
    '--smoke-base',
    edge.url,
    '--step-wait',
    '0s',
    '--attach-timeout',
    '0s',
    '--message',
    'test deploy',
    '--steps',
    options.steps ?? '100',
  ];
  args.push('--out', join(project, 'build'), '--record', join(project, 'record.json'));
  return run('deploy.ts', args, { cwd: project, env: ciEnv(options.token === false ? '' : TOKEN) });
}

/** The calls that change something, as `METHOD path` with the account and Worker abbreviated. */
function changes(calls: ApiCall[]): string[] {
  return calls
    .filter((c) => c.method !== 'GET')
    .map(
      (c) =>
        `${c.method} ${c.path.replace(`/accounts/${ACCOUNT}`, '').replace(`/workers/scripts/${WORKER}`, '/SCRIPT')}`,
    );
}

/** The traffic split of each deployment created, in order. */
const trafficSplits = () =>
  api.state.calls
    .filter((c) => c.method === 'POST' && c.path.endsWith('/deployments'))
    .map((c) => (c.body as { versions: unknown }).versions);

const worker = () => api.state.workers.get(WORKER);
const live = () => worker()?.deployments[0]?.versions;
const versionIds = () => worker()?.versions.map((v) => v.id) ?? [];
const domains = () => api.state.domains.map((d) => d.hostname).sort();

describe('npm run deploy against the Cloudflare stand-in', { timeout: 240_000 }, () => {
  it('--dry-run prints every step and calls nothing, without credentials', async () => {
    writeFileSync(join(project, 'routes.yaml'), table(['api.example.com']));
    writeFileSync(join(project, 'routes.test.yaml'), cases(['api.example.com']));
    api.state.calls = [];
    const result = await run(
      'deploy.ts',
      ['--dry-run', '--out', join(project, 'build'), '--steps', '10,100'],
      {
        cwd: project,
        env: { ...ciEnv(), CLOUDFLARE_API_TOKEN: '', CLOUDFLARE_ACCOUNT_ID: '' },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    const steps = result.stderr.split('\n').filter((line) => line.startsWith('==> '));
    expect(steps.map((line) => line.slice(4, line.indexOf(':')))).toEqual([
      'check',
      'build',
      'live state',
      'secrets gate',
      'upload',
      'smoke',
      'roll out',
      'roll out',
      'domains and routes',
      'smoke',
      'record',
    ]);
    expect(result.stderr).toContain(
      `wrangler versions upload --config build/wrangler.json --tag ${SHA.slice(0, 12)}`,
    );
    expect(result.stderr).toContain(
      '==> roll out: wrangler versions deploy NEW@10 CURRENT@90, hold, smoke again',
    );
    expect(result.stderr).toContain('make them exactly api.example.com (custom domain)');
    expect(api.state.calls).toEqual([]);
    expect(worker()).toBeUndefined();
  });

  it('a first deploy creates the Worker with its domain, then smoke-tests it', async () => {
    const result = await deploy(['api.example.com'], { token: false });
    expect(result.status, result.stderr).toBe(0);
    // wrangler deploy: the Worker, its first version at 100 %, then its domain.
    expect(changes(api.state.calls)).toEqual([
      'PUT /SCRIPT',
      'POST /SCRIPT/subdomain',
      'PUT /SCRIPT/domains/records',
    ]);
    expect(domains()).toEqual(['api.example.com']);
    expect(result.stderr).toContain('routes.test.yaml: all 1 case pass against');
    const version = worker()?.versions[0];
    expect(version?.annotations).toMatchObject({
      'workers/tag': SHA.slice(0, 12),
      'workers/message': '0123456: test deploy',
    });
    expect(JSON.parse(readFileSync(join(project, 'record.json'), 'utf8'))).toMatchObject({
      worker: WORKER,
      version_id: version?.id,
      previous_version_id: null,
      commit: SHA,
      custom_domains: ['api.example.com'],
    });
  });

  it('a missing secret stops the deploy before anything is uploaded', async () => {
    const before = versionIds();
    const result = await deploy(['api.example.com'], { secret: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `secrets gate: the Worker ${WORKER} has no value for ORIGIN_KEY, ROUTER_DEBUG_TOKEN; nothing was uploaded.`,
    );
    expect(result.stderr).toContain(`npx wrangler secret put ORIGIN_KEY --name ${WORKER}`);
    expect(changes(api.state.calls)).toEqual([]);
    expect(versionIds()).toEqual(before);
  });

  it('a new version is staged at 0 %, smoke-tested pinned to it, rolled out, then the new host is attached', async () => {
    // What `wrangler secret put` leaves on the Worker.
    worker()?.secrets.set('ROUTER_DEBUG_TOKEN', TOKEN);
    const [previous] = versionIds();
    const result = await deploy(['api.example.com', 'www.example.com']);
    expect(result.status, result.stderr).toBe(0);
    const next = versionIds()[1];
    expect(changes(api.state.calls)).toEqual([
      'POST /SCRIPT/versions',
      'POST /SCRIPT/deployments',
      'POST /SCRIPT/deployments',
      'POST /SCRIPT/subdomain',
      'PUT /SCRIPT/domains/records',
    ]);
    expect(trafficSplits()).toEqual([
      [
        { version_id: previous, percentage: 100 },
        { version_id: next, percentage: 0 },
      ],
      [{ version_id: next, percentage: 100 }],
    ]);
    // The live host was tested on the new version before it took traffic; the new host after attaching.
    expect(result.stderr).toMatch(/www\.example\.com is proxied \(attached after the rollout, tested then\)/);
    expect(result.stderr.match(/all 1 case pass against/g)).toHaveLength(2);
    expect(live()).toEqual([{ version_id: next, percentage: 100 }]);
    expect(domains()).toEqual(['api.example.com', 'www.example.com']);
  });

  it('a failed smoke test leaves production on the previous version, with no domain touched', async () => {
    const [, current] = versionIds();
    const result = await deploy(['api.example.com', 'www.example.com'], { dead: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/status {4}expected "proxied" +actual 502 \(bad_gateway\)/);
    expect(result.stderr).toContain(`rolled back: version ${current} serves 100 % of ${WORKER}`);
    const failed = versionIds()[2];
    expect(changes(api.state.calls)).toEqual([
      'POST /SCRIPT/versions',
      'POST /SCRIPT/deployments',
      'POST /SCRIPT/deployments',
    ]);
    expect(trafficSplits()).toEqual([
      [
        { version_id: current, percentage: 100 },
        { version_id: failed, percentage: 0 },
      ],
      [{ version_id: current, percentage: 100 }],
    ]);
    expect(live()).toEqual([{ version_id: current, percentage: 100 }]);
    expect(domains()).toEqual(['api.example.com', 'www.example.com']);
  });

  it('npm run rollback puts the version that served before the current one back at 100 %', async () => {
    const [first, current] = versionIds();
    const dry = await run('rollback.ts', ['--dry-run'], { cwd: project, env: ciEnv() });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(`version ${current} serves now; rolling back to ${first}`);
    expect(dry.stderr).toContain(`(${SHA.slice(0, 12)}, 0123456: test deploy)`);
    api.state.calls = [];
    const result = await run('rollback.ts', [], { cwd: project, env: ciEnv() });
    expect(result.status, result.stderr).toBe(0);
    expect(changes(api.state.calls)).toEqual(['POST /SCRIPT/deployments']);
    expect(live()).toEqual([{ version_id: first, percentage: 100 }]);
    // Domains follow routes.yaml, not the rollback.
    expect(domains()).toEqual(['api.example.com', 'www.example.com']);
  });

  it('removing the last custom domain detaches it, which wrangler alone would not do (a rollout in steps)', async () => {
    const [first] = versionIds();
    const result = await deploy(['*.shop.example.com'], { steps: '50,100' });
    expect(result.status, result.stderr).toBe(0);
    const next = versionIds().at(-1);
    // No case reaches a host attached now (the wildcard is new): nothing to stage at 0 %.
    expect(result.stderr).toContain('no case of the route tests reaches a host attached now');
    expect(trafficSplits()).toEqual([
      [
        { version_id: next, percentage: 50 },
        { version_id: first, percentage: 50 },
      ],
      [{ version_id: next, percentage: 100 }],
    ]);
    const detached = api.state.calls.filter((c) => c.method === 'DELETE').map((c) => c.path);
    expect(changes(api.state.calls).slice(-4)).toEqual([
      'POST /SCRIPT/subdomain',
      'PUT /SCRIPT/routes',
      `DELETE /workers/domains/${detached[0]?.split('/').pop()}`,
      `DELETE /workers/domains/${detached[1]?.split('/').pop()}`,
    ]);
    // wrangler sent no custom-domain update: the list it would send is empty.
    expect(api.state.calls.some((c) => c.path.endsWith('/domains/records'))).toBe(false);
    expect(domains()).toEqual([]);
    expect(api.state.routes.map((r) => `${r.pattern} ${r.script}`)).toEqual([
      `*.shop.example.com/* ${WORKER}`,
    ]);
    expect(result.stderr).toContain('detaching custom domain api.example.com');
    expect(existsSync(join(project, 'record.json'))).toBe(true);
  });

  it('a new host that fails its smoke test is detached before the previous version is restored', async () => {
    const [current] = live() ?? [];
    const result = await deploy(['*.shop.example.com', 'new.example.com'], { downHost: 'new.example.com' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /new\.example\.com is proxied\n.*\n {4}status +expected "proxied" +actual 502/,
    );
    const failed = versionIds().at(-1);
    const calls = changes(api.state.calls);
    const restore = calls.lastIndexOf('POST /SCRIPT/deployments');
    // Attached after the rollout; on failure detached first, and only then the old version restored.
    expect(calls.slice(0, 5)).toEqual([
      'POST /SCRIPT/versions',
      'POST /SCRIPT/deployments',
      'POST /SCRIPT/deployments',
      'POST /SCRIPT/subdomain',
      'PUT /SCRIPT/routes',
    ]);
    expect(calls[5]).toBe('PUT /SCRIPT/domains/records');
    expect(calls.slice(6)).toEqual([
      `DELETE /workers/domains/${api.state.calls
        .find((c) => c.method === 'DELETE')
        ?.path.split('/')
        .pop()}`,
      'POST /SCRIPT/deployments',
    ]);
    expect(restore).toBe(calls.length - 1);
    expect(trafficSplits().at(-1)).toEqual([{ version_id: current?.version_id, percentage: 100 }]);
    expect(failed).not.toBe(current?.version_id);
    expect(domains()).toEqual([]);
    expect(api.state.routes.map((r) => r.pattern)).toEqual(['*.shop.example.com/*']);
    expect(result.stderr).toContain(`rolled back: version ${current?.version_id} serves 100 %`);
  });

  it('--env staging deploys the staging Worker with the staging hosts, and leaves production alone', async () => {
    const productionVersions = versionIds();
    const productionLive = live();
    const echo = `http://127.0.0.1:${origin.port}/echo/api`;
    writeFileSync(
      join(project, 'routes.yaml'),
      [
        'version: 1',
        'environments:',
        '  production: {}',
        '  staging: { hosts: { example.com: staging.example.com } }',
        'routes:',
        '  - id: api',
        '    hosts: [api.example.com]',
        `    origin: ${echo}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'routes.test.yaml'),
      [
        'version: 1',
        'cases:',
        '  - name: production api',
        '    request: { url: "https://api.example.com/ping" }',
        `    expect: { route: api, upstream: "${echo}/ping" }`,
        '  - name: staging api',
        '    env: staging',
        '    request: { url: "https://api.staging.example.com/ping" }',
        `    expect: { route: api, status: proxied, upstream: "${echo}/ping" }`,
        '',
      ].join('\n'),
    );
    api.state.calls = [];
    const args = ['--env', 'staging', '--smoke-base', edge.url, '--attach-timeout', '0s'];
    args.push('--out', join(project, 'build'), '--record', join(project, 'record.json'));
    const result = await run('deploy.ts', args, { cwd: project, env: ciEnv('') });
    expect(result.status, result.stderr).toBe(0);
    const staging = `${WORKER}-staging`;
    expect(api.state.workers.get(staging)?.versions).toHaveLength(1);
    expect(api.state.domains.filter((d) => d.service === staging).map((d) => d.hostname)).toEqual([
      'api.staging.example.com',
    ]);
    expect(result.stderr).toContain('routes.test.yaml: all 1 case pass against');
    // Production's Worker: not one call, not one version, not one domain changed.
    expect(api.state.calls.some((c) => c.path.includes(`/workers/scripts/${WORKER}/`))).toBe(false);
    expect(versionIds()).toEqual(productionVersions);
    expect(live()).toEqual(productionLive);
  });
});
