/**
 * The deploy tests' stand-ins and helpers: one project folder, the Cloudflare API and edge
 * stand-ins (test/stand-ins/), a local origin, and the routes.yaml / routes.test.yaml each
 * scenario deploys. Each test file that calls useDeployStandIn() gets its own, so files run in
 * parallel.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../scripts/serve/local-router.ts';
import { type Origin, startOrigin } from '../origin/server.ts';
import { type ApiStandIn, startApiStandIn } from '../stand-ins/cloudflare-api.ts';
import { type EdgeStandIn, startEdgeStandIn } from '../stand-ins/cloudflare-edge.ts';
import type { ApiCall } from '../stand-ins/cloudflare-state.ts';
import { run, spawnCliWatched } from './run-cli.ts';

export const ACCOUNT = 'acc-stand-in';
export const WORKER = 'router-under-test';
export const TOKEN = 'deploy-debug-token-31f9';
export const SHA = '0123456789abcdef0123456789abcdef01234567';

export interface Scenario {
  dead?: boolean;
  secret?: boolean;
  token?: boolean;
  /** A host on a route of its own whose origin is down: its smoke case fails. */
  downHost?: string;
  steps?: string;
  /** A fault: the stand-in answers 500 to each API call this returns true for. */
  failCall?: (call: ApiCall) => boolean;
  /** `--step-wait` (default 0s). */
  stepWait?: string;
  /** The path each smoke case requests, on an `api` route with the origin's root as its base. */
  casePath?: string;
}

/** Starts the stand-ins before the file's tests and stops them after; returns the helpers. */
export function useDeployStandIn() {
  const project = mkdtempSync(join(tmpdir(), 'deploy-test-'));
  const s = {} as { api: ApiStandIn; edge: EdgeStandIn; origin: Origin; deadPort: number };

  beforeAll(async () => {
    s.origin = await startOrigin(0, 'deploy-origin');
    s.deadPort = await freePort();
    s.api = await startApiStandIn();
    s.api.state.addZone('example.com');
    s.edge = await startEdgeStandIn(s.api.state);
    writeFileSync(
      join(project, 'wrangler.toml'),
      `name = "${WORKER}"\nmain = "src/index.ts"\ncompatibility_date = "2026-05-01"\nworkers_dev = false\n\n[version_metadata]\nbinding = "CF_VERSION_METADATA"\n`,
    );
  });

  afterAll(async () => {
    await s.edge?.close();
    await s.api?.close();
    await s.origin?.close();
    rmSync(project, { recursive: true, force: true });
  });

  /**
   * A route table: `api` on the given hosts, proxied to the local origin (or to a dead port), and
   * the `downHost` on a route of its own whose origin is down.
   */
  function table(hosts: string[], options: Scenario = {}): string {
    const target = options.dead
      ? `http://127.0.0.1:${s.deadPort}`
      : `http://127.0.0.1:${s.origin.port}${options.casePath ? '' : '/echo/api'}`;
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
        ? ['  - id: down', `    hosts: [${options.downHost}]`, `    origin: http://127.0.0.1:${s.deadPort}`]
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
      const path = options.casePath ?? '/ping';
      const upstream = down
        ? `http://127.0.0.1:${s.deadPort}${path}`
        : `http://127.0.0.1:${s.origin.port}${options.casePath ? '' : '/echo/api'}${path}`;
      lines.push(
        `  - name: ${concrete} is proxied`,
        `    request: { url: "https://${concrete}${path}" }`,
        `    expect: { route: ${host === options.downHost ? 'down' : 'api'}, status: proxied, upstream: "${upstream}" }`,
      );
    }
    return `${lines.join('\n')}\n`;
  }

  /** The environment CI gives the deploy, pointed at the stand-in. */
  const ciEnv = (token = TOKEN) => ({
    CLOUDFLARE_API_BASE_URL: s.api.url,
    CLOUDFLARE_API_TOKEN: 'stand-in-token',
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
    GITHUB_SHA: SHA,
    ROUTER_DEBUG_TOKEN: token,
    WRANGLER_LOG_PATH: join(project, 'wrangler-logs'),
  });

  /** Writes the scenario's files; returns the deploy's arguments. */
  function prepare(hosts: string[], options: Scenario): string[] {
    writeFileSync(join(project, 'routes.yaml'), table(hosts, options));
    writeFileSync(join(project, 'routes.test.yaml'), cases(hosts, options));
    s.api.state.calls = options.failCall ? failing(options.failCall) : [];
    const args = [
      '--smoke-base',
      s.edge.url,
      '--step-wait',
      options.stepWait ?? '0s',
      '--attach-timeout',
      '0s',
    ];
    args.push('--message', 'test deploy', '--steps', options.steps ?? '100');
    args.push('--out', join(project, 'build'), '--record', join(project, 'record.json'));
    return args;
  }

  /** `npm run deploy` in this process (scripts/deploy.ts's main). */
  function deploy(hosts: string[], options: Scenario = {}) {
    const args = prepare(hosts, options);
    return run('deploy.ts', args, { cwd: project, env: ciEnv(options.token === false ? '' : TOKEN) });
  }

  /**
   * The deploy in a process group of its own, as a terminal runs it, sent each signal (to the
   * group, as Ctrl-C is, or to its process alone, as GitHub Actions does) when a line holding its
   * text appears on stderr.
   */
  function deployProcess(
    hosts: string[],
    options: Scenario,
    signals: Array<[string, NodeJS.Signals, 'group' | 'process']>,
  ) {
    const args = prepare(hosts, options);
    return spawnCliWatched(
      'deploy.ts',
      args,
      { cwd: project, env: ciEnv(options.token === false ? '' : TOKEN) },
      (line, signal) => {
        for (const [text, name, to] of signals) if (line.includes(text)) signal(name, to);
      },
    );
  }

  const worker = () => s.api.state.workers.get(WORKER);
  return {
    project,
    stand: s,
    table,
    cases,
    ciEnv,
    deploy,
    deployProcess,
    worker,
    live: () => worker()?.deployments[0]?.versions,
    versionIds: () => worker()?.versions.map((v) => v.id) ?? [],
    domains: () => s.api.state.domains.map((d) => d.hostname).sort(),
    /** The traffic split of each deployment created, in order. */
    trafficSplits: () =>
      s.api.state.calls
        .filter((c) => c.method === 'POST' && c.path.endsWith('/deployments'))
        .map((c) => (c.body as { versions: unknown }).versions),
  };
}

/** The calls that change something, as `METHOD path` with the account and Worker abbreviated. */
export function changes(calls: ApiCall[]): string[] {
  return calls
    .filter((c) => c.method !== 'GET')
    .map(
      (c) =>
        `${c.method} ${c.path.replace(`/accounts/${ACCOUNT}`, '').replace(`/workers/scripts/${WORKER}`, '/SCRIPT')}`,
    );
}

/** A call log whose push throws for the calls `fail` picks: the stand-in then answers 500. */
function failing(fail: (call: ApiCall) => boolean): ApiCall[] {
  const calls: ApiCall[] = [];
  const record = calls.push.bind(calls);
  calls.push = (...items: ApiCall[]) => {
    const length = record(...items);
    if (items.some(fail)) throw new Error('fault injected by the test');
    return length;
  };
  return calls;
}
