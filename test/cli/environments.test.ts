/**
 * Environments from one routes.yaml: `check` runs every environment (and each one's route tests),
 * `build --env` writes a Worker of its own (name, domains, vars, rate-limit namespaces), and
 * `explain --env` answers for that environment.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../scripts/cli/plan-diff.ts';
import { analyze } from '../../scripts/compiler/analyze.ts';
import { fixture, root, run } from './run-cli.ts';

const ROUTES = fixture('environments/routes.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'environments-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function built(env: string): Promise<Record<string, unknown>> {
  const out = join(tmp, env);
  const result = await run('build.ts', [ROUTES, '--env', env, '--out', out]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, 'wrangler.json'), 'utf8')) as Record<string, unknown>;
}

/** A git repository under tmp with the fixture routes.yaml and wrangler.toml committed on main. */
function committedRepo(name: string): string {
  const repo = join(tmp, name);
  mkdirSync(repo);
  const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  copyFileSync(join(root, 'wrangler.toml'), join(repo, 'wrangler.toml'));
  copyFileSync(ROUTES, join(repo, 'routes.yaml'));
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  return repo;
}

describe('environments', () => {
  it('check compiles every environment and runs the route tests marked for each', async () => {
    const result = await run('check.ts', [ROUTES]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'routes.test.yaml [production]: all 3 cases pass; cases reach 3 of 3 routes',
    );
    expect(result.stderr).toContain(
      'routes.test.yaml [staging]: all 3 cases pass; cases reach 2 of 3 routes',
    );
    const staging = await run('check.ts', [ROUTES, '--env', 'staging']);
    expect(staging.status, staging.stderr).toBe(0);
    expect(staging.stderr).toContain('routes.test.yaml [staging]: all 3 cases pass');
    expect(staging.stderr).not.toContain('[production]');
    expect((await run('check.ts', [ROUTES, '--list-environments'])).stdout).toBe('production\nstaging\n');
    expect((await run('check.ts', [fixture('routes.yaml'), '--list-environments'])).stdout).toBe(
      'production\n',
    );
  });

  it('builds each environment as its own Worker: name, domains, vars and rate-limit namespaces', async () => {
    const production = await built('production');
    const staging = await built('staging');
    expect(production.name).toBe('edge-router');
    expect(staging.name).toBe('edge-router-staging');
    const patterns = (config: Record<string, unknown>) =>
      (config.routes as Array<{ pattern: string }>).map((r) => r.pattern).sort();
    expect(patterns(production)).toEqual([
      '*.tenants.example.com/*',
      'admin.example.com',
      'api.example.com',
      'example.org',
    ]);
    expect(patterns(staging)).toEqual([
      '*.tenants.staging.example.com/*',
      'admin-staging.example.net',
      'api.staging.example.com',
      'staging.example.net',
    ]);
    expect(production.vars).toEqual({ REGION: 'eu' });
    expect(staging.vars).toEqual({ REGION: 'eu-staging' });
    const namespace = (config: Record<string, unknown>) =>
      (config.ratelimits as Array<{ name: string; namespace_id: string }>)[0];
    expect(namespace(production)?.name).toBe(namespace(staging)?.name);
    expect(namespace(production)?.namespace_id).not.toBe(namespace(staging)?.namespace_id);
  });

  it("check and build refuse two environments whose Workers' names would be one, derived or set", async () => {
    const file = join(tmp, 'same-worker.yaml');
    // staging sets no worker, so it would deploy to wrangler.toml's name + "-staging": with the
    // wrangler.toml below, production's own name. With the project's (edge-router) it would not.
    writeFileSync(
      file,
      [
        'version: 1',
        'environments:',
        '  production: { worker: api-router-staging }',
        '  staging:',
        '    hosts: { example.com: staging.example.com }',
        'routes:',
        '  - { id: api, hosts: [api.example.com], origin: https://o.example.net }',
        '',
      ].join('\n'),
    );
    const wrangler = join(tmp, 'same-worker.toml');
    writeFileSync(wrangler, 'name = "api-router"\ncompatibility_date = "2026-05-01"\n');
    const message = `${file}:4:3  error  environments.staging: its Worker would be api-router-staging (wrangler.toml's name + "-staging"), which is also production's`;
    for (const command of ['build.ts', 'check.ts']) {
      const out = command === 'build.ts' ? ['--out', join(tmp, 'same-worker')] : [];
      const refused = await run(command, [file, ...out, '--wrangler', wrangler]);
      expect(refused.status, command).toBe(1);
      expect(refused.stderr).toContain(message);
      // Without --wrangler both read the project's wrangler.toml: staging is edge-router-staging.
      const accepted = await run(command, [file, ...out]);
      expect(accepted.status, accepted.stderr).toBe(0);
      // A --wrangler file that is not there is an error for both (check said OK before).
      const missing = await run(command, [file, ...out, '--wrangler', join(tmp, 'missing.toml')]);
      expect(missing.status, command).toBe(1);
      expect(missing.stderr).toContain('missing.toml');
    }
  });

  it('two Workers whose metrics would meet in one dataset are refused (edge_router, edge-router)', () => {
    const text = [
      'version: 1',
      'environments:',
      '  production: {}',
      '  staging:',
      '    hosts: { example.com: staging.example.com }',
      '    worker: edge-router',
      'routes:',
      '  - { id: api, hosts: [api.example.com], origin: https://o.example.net }',
      '',
    ].join('\n');
    // wrangler.toml's name may hold a `_`; both names are the dataset edge_router.
    const { diagnostics } = analyze(text, { workerBase: 'edge_router' });
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      "6:13 environments.staging: its Worker edge-router would write its metrics to the dataset edge_router, as production's Worker edge_router does, and stats and the alert would mix the two: pick a name that differs in more than - and _",
    ]);
    expect(analyze(text, { workerBase: 'edge-router-prod' }).diagnostics).toEqual([]);
  });

  it("a derived Worker name over Cloudflare's 63 characters is refused", () => {
    const text = [
      'version: 1',
      'environments:',
      '  production: {}',
      '  preview-environment-one:',
      '    hosts: { example.com: preview.example.com }',
      'routes:',
      '  - { id: api, hosts: [api.example.com], origin: https://o.example.net }',
      '',
    ].join('\n');
    const base = 'a-very-long-worker-name-for-the-edge-router-project-x';
    const messages = analyze(text, { workerBase: base }).diagnostics.map(
      (d) => `${d.line}:${d.col} ${d.message}`,
    );
    expect(messages).toEqual([
      `4:3 environments.preview-environment-one: its Worker name ${base}-preview-environment-one is 77 characters, over Cloudflare's 63: set environments.preview-environment-one.worker`,
    ]);
  });

  it('explain answers for the environment named, and refuses an unknown one', async () => {
    const staging = await run('explain.ts', [
      'https://api.staging.example.com/x',
      '--routes',
      ROUTES,
      '--env',
      'staging',
    ]);
    expect(staging.status).toBe(0);
    expect(staging.stdout).toMatch(/result +proxied to https:\/\/staging-o\.example\.net\/v1\/x/);
    const production = await run('explain.ts', ['https://api.staging.example.com/x', '--routes', ROUTES]);
    expect(production.status).toBe(2);
    const unknown = await run('explain.ts', ['https://api.example.com/x', '--routes', ROUTES, '--env', 'qa']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('--env qa: no such environment (declared: production, staging)');
  });

  it('plan shows one plan per environment, each with its own hosts', async () => {
    const repo = committedRepo('repo');
    const added = '  - id: docs\n    hosts: [docs.example.com]\n    origin: https://docs.example.net\n';
    writeFileSync(join(repo, 'routes.yaml'), `${readFileSync(ROUTES, 'utf8')}${added}`);
    const result = await run('plan.ts', ['main'], { cwd: repo });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stdout).toContain('## Environment `production`');
    expect(result.stdout).toContain('## Environment `staging`');
    expect(result.stdout).toContain('| attach | `docs.example.com` |');
    expect(result.stdout).toContain('| attach | `docs.staging.example.com` |');
    const json = JSON.parse(
      (await run('plan.ts', ['main', '--json', '--env', 'staging'], { cwd: repo })).stdout,
    ) as Plan;
    expect(json.environment).toBe('staging');
    expect(json.domains.attached.map((d) => d.pattern)).toEqual(['docs.staging.example.com']);
  });

  it("plan shows a Worker's new name as a change, and plans an environment the base lacks from empty", async () => {
    const repo = committedRepo('repo-rename');
    const text = readFileSync(ROUTES, 'utf8')
      .replace('  staging:\n', '  staging:\n    worker: staging-router\n')
      .replace(
        '  production: {}\n',
        '  production: {}\n  preview:\n    hosts: { example.com: preview.example.com, example.org: preview.example.net }\n',
      );
    writeFileSync(join(repo, 'routes.yaml'), text);
    const staging = await run('plan.ts', ['main', '--env', 'staging'], { cwd: repo });
    expect(staging.status, staging.stderr).toBe(2);
    expect(staging.stdout).toContain('#### Worker');
    expect(staging.stdout).toMatch(/The deploy goes to the Worker `staging-router`, not `\S+-staging`/);
    const preview = await run('plan.ts', ['main', '--json', '--env', 'preview'], { cwd: repo });
    expect(preview.status, preview.stderr).toBe(2);
    const plan = JSON.parse(preview.stdout) as Plan;
    expect(plan.routes.added.map((r) => r.id)).toEqual(['admin', 'api', 'tenants']);
    expect(plan.worker).toBeNull();
    // Production is as it was.
    expect((await run('plan.ts', ['main', '--env', 'production'], { cwd: repo })).status).toBe(0);
  });

  it("plans the first environments a file declares: staging from empty, not as a rename of the base's Worker", async () => {
    const repo = committedRepo('repo-first-environments');
    const withEnvironments = readFileSync(join(repo, 'routes.yaml'), 'utf8');
    // The base: the same routes, before any environment was declared.
    const routesOnly = withEnvironments.slice(withEnvironments.indexOf('\nroutes:') + 1);
    writeFileSync(join(repo, 'routes.yaml'), `version: 1\nvars: { REGION: eu }\n${routesOnly}`);
    spawnSync('git', ['commit', '-q', '-am', 'no environments'], { cwd: repo });
    writeFileSync(join(repo, 'routes.yaml'), withEnvironments);
    const staging = await run('plan.ts', ['main', '--json', '--env', 'staging'], { cwd: repo });
    expect(staging.status, staging.stderr).toBe(2);
    const plan = JSON.parse(staging.stdout) as Plan;
    expect(plan.worker).toBeNull();
    expect(plan.routes.added.map((r) => r.id)).toEqual(['admin', 'api', 'tenants']);
    expect(plan.domains.detached).toEqual([]);
    // Production compares with the base's one Worker: nothing changes there.
    const production = await run('plan.ts', ['main', '--env', 'production'], { cwd: repo });
    expect(production.status, production.stderr + production.stdout).toBe(0);
  });
});
