/**
 * `npm run deploy` without touching anything: `--dry-run` prints every step and calls nothing,
 * and `--env staging` deploys the staging Worker only (the real deploy script and wrangler
 * against the stand-ins of test/cli/deploy-harness.ts, as in deploy.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHA, useDeployStandIn, WORKER } from './deploy-harness.ts';
import { run } from './run-cli.ts';

const { project, stand, table, cases, ciEnv, deploy, worker, live, versionIds } = useDeployStandIn();

describe('npm run deploy: dry run and environments', { timeout: 240_000 }, () => {
  it('--dry-run prints every step and calls nothing, without credentials', async () => {
    writeFileSync(join(project, 'routes.yaml'), table(['api.example.com']));
    writeFileSync(join(project, 'routes.test.yaml'), cases(['api.example.com']));
    stand.api.state.calls = [];
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
    expect(stand.api.state.calls).toEqual([]);
    expect(worker()).toBeUndefined();
  });

  it('--env staging deploys the staging Worker with the staging hosts, and leaves production alone', async () => {
    // Production first, so there is a Worker for staging to leave alone.
    const production = await deploy(['api.example.com'], { token: false });
    expect(production.status, production.stderr).toBe(0);
    const productionVersions = versionIds();
    const productionLive = live();
    const echo = `http://127.0.0.1:${stand.origin.port}/echo/api`;
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
    stand.api.state.calls = [];
    const args = ['--env', 'staging', '--smoke-base', stand.edge.url, '--attach-timeout', '0s'];
    args.push('--out', join(project, 'build'), '--record', join(project, 'record.json'));
    const result = await run('deploy.ts', args, { cwd: project, env: ciEnv('') });
    expect(result.status, result.stderr).toBe(0);
    const staging = `${WORKER}-staging`;
    expect(stand.api.state.workers.get(staging)?.versions).toHaveLength(1);
    expect(stand.api.state.domains.filter((d) => d.service === staging).map((d) => d.hostname)).toEqual([
      'api.staging.example.com',
    ]);
    expect(result.stderr).toContain('routes.test.yaml: all 1 case pass against');
    // Production's Worker: not one call, not one version, not one domain changed.
    expect(stand.api.state.calls.some((c) => c.path.includes(`/workers/scripts/${WORKER}/`))).toBe(false);
    expect(versionIds()).toEqual(productionVersions);
    expect(live()).toEqual(productionLive);
  });
});
