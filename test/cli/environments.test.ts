/**
 * Environments from one routes.yaml: `check` runs every environment (and each one's route tests),
 * `build --env` writes a Worker of its own (name, domains, vars, rate-limit namespaces), and
 * `explain --env` answers for that environment.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, run } from './run-cli.ts';

const ROUTES = fixture('environments/routes.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'environments-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function built(env: string): Promise<Record<string, unknown>> {
  const out = join(tmp, env);
  const result = await run('build.ts', [ROUTES, '--env', env, '--out', out]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, 'wrangler.json'), 'utf8')) as Record<string, unknown>;
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
    expect(staging.stderr).not.toContain('[production]');
  });

  it('builds each environment as its own Worker: name, domains, vars and rate-limit namespaces', async () => {
    const production = await built('production');
    const staging = await built('staging');
    expect(production.name).toBe('edge-router');
    expect(staging.name).toBe('edge-router-staging');
    const patterns = (config: Record<string, unknown>) =>
      (config.routes as Array<{ pattern: string }>).map((r) => r.pattern).sort();
    expect(patterns(production)).toEqual([
      '*.example.com/*',
      'admin.example.com',
      'api.example.com',
      'example.org',
    ]);
    expect(patterns(staging)).toEqual([
      '*.staging.example.com/*',
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
});
