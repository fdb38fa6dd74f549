/**
 * The conventional commands at the repository root. `npm run build` points wrangler at the
 * generated config (.wrangler/deploy/config.json -> src/generated/wrangler.root.json), and both
 * configs carry a guard wrangler runs before it bundles (scripts/wrangler-guard.ts):
 * `npx wrangler dev` runs the built table, `npx wrangler deploy` is refused with what to run
 * instead, and a stale or missing build stops with the same clarity. The real wrangler proves
 * the redirect and the refusal: nothing reaches the (stand-in) Cloudflare API.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderGeneratedBuild } from '../../scripts/cli/deploy-config.ts';
import { analyze } from '../../scripts/compiler/analyze.ts';
import { writeTableModule } from '../../scripts/compiler/emit.ts';
import { spawnWrangler } from '../../scripts/deploy/wrangler.ts';
import { staleness } from '../../scripts/wrangler-guard.ts';
import { startApiStandIn } from '../stand-ins/cloudflare-api.ts';
import { root, run } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'root-commands-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const guard = (kind: string, env: Record<string, string>) => run('wrangler-guard.ts', [kind], { env });

describe('wrangler commands at the repository root', () => {
  it('the hand-kept wrangler.toml lets no bundling command run, and says what to run instead', async () => {
    for (const command of ['dev', 'deploy', 'versions upload']) {
      const result = await guard('hand-kept', { WRANGLER_COMMAND: command });
      expect(result.status, command).toBe(1);
      expect(result.stderr).toContain(
        `wrangler ${command} with wrangler.toml would run the Worker without routes.yaml's routes`,
      );
      expect(result.stderr).toContain('Run `npm run build` first');
    }
    expect((await guard('hand-kept', { WRANGLER_COMMAND: 'types' })).status).toBe(0);
  });

  it('npx wrangler deploy is refused; the deploy script’s own wrangler runs pass', async () => {
    const refused = await guard('generated', { WRANGLER_COMMAND: 'deploy', EDGE_ROUTER_DEPLOY: '' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('`npx wrangler deploy` would put this build live all at once');
    expect(refused.stderr).toContain('Run `npm run deploy`');
    // src/generated was built from routes.yaml by `pretest`: fresh.
    const own = await guard('generated', { WRANGLER_COMMAND: 'deploy', EDGE_ROUTER_DEPLOY: '1' });
    expect(own.status, own.stderr).toBe(0);
    expect((await guard('generated', { WRANGLER_COMMAND: 'dev' })).status).toBe(0);
  });

  it('a build older than routes.yaml stops wrangler dev and says to rebuild', () => {
    const project = join(tmp, 'stale');
    mkdirSync(project, { recursive: true });
    const routes =
      'version: 1\nroutes:\n  - { id: a, hosts: [a.example.com], origin: https://o.example.net }\n';
    writeFileSync(join(project, 'routes.yaml'), routes);
    writeFileSync(join(project, 'wrangler.toml'), 'name = "stale-test"\ncompatibility_date = "2026-05-01"\n');
    expect(staleness(project)).toBe('src/generated has no build.');
    const out = join(project, 'src', 'generated');
    const table = analyze(routes).table;
    if (!table) throw new Error('fixture does not compile');
    writeTableModule(out, table, 'routes.yaml');
    const build = renderGeneratedBuild(out, table, { root: project });
    for (const file of [build, build.root]) if (file) writeFileSync(file.file, file.text);
    expect(staleness(project)).toBeNull();
    writeFileSync(join(project, 'routes.yaml'), routes.replace('o.example.net', 'p.example.net'));
    expect(staleness(project)).toBe(
      'src/generated is stale: routes.yaml or wrangler.toml changed since the last build.',
    );
  });

  it('npm run build redirects the root to a generated config without routes, carrying the guard', () => {
    const redirect = JSON.parse(readFileSync(join(root, '.wrangler', 'deploy', 'config.json'), 'utf8'));
    expect(redirect).toEqual({ configPath: '../../src/generated/wrangler.root.json' });
    const config = JSON.parse(readFileSync(join(root, 'src', 'generated', 'wrangler.root.json'), 'utf8'));
    // Routes would make `wrangler dev` send every request to the first route's host.
    expect(config.routes).toBeUndefined();
    expect(config.build).toEqual({ command: 'node --import tsx scripts/wrangler-guard.ts generated' });
    expect(config.main).toBe('../index.ts');
  });

  it('the real wrangler follows the redirect and refuses `npx wrangler deploy` before any API call', async () => {
    const api = await startApiStandIn();
    try {
      const result = await wrangler(['deploy'], {
        CLOUDFLARE_API_BASE_URL: api.url,
        CLOUDFLARE_API_TOKEN: 'stand-in-token',
        CLOUDFLARE_ACCOUNT_ID: 'acc-root',
      });
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('Configuration being used: "src/generated/wrangler.root.json"');
      expect(result.output).toContain('`npx wrangler deploy` would put this build live all at once');
      expect(api.state.calls).toEqual([]);
    } finally {
      await api.close();
    }
  });
});

/** `npx wrangler ARGS` at the repository root, without a terminal (asynchronously: the stand-in answers). */
function wrangler(args: string[], env: Record<string, string>) {
  const { GITHUB_ACTIONS: _, ...base } = process.env;
  return spawnWrangler(args, root, {
    ...base,
    ...env,
    CI: 'true',
    NO_COLOR: '1',
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    WRANGLER_LOG_PATH: join(tmp, 'logs'),
  });
}
